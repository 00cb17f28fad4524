// What the benchmark panel last showed, as the webview reported it after drawing the summary cards,
// and the two internal commands that let the integration tests read it:
// `_medlocal.benchmarkPanel.summaryText` (the summary the panel shows) and
// `_medlocal.benchmarkPanel.waitForSummary` ({ runDir?, timeoutMs? } → that text, once shown).
// They are registered only when MEDLOCAL_TEST_COMMANDS=1 is set (the integration runners set it),
// so a user's command list never holds them.
import * as vscode from 'vscode';

export const TEST_COMMANDS_ENV = 'MEDLOCAL_TEST_COMMANDS';

interface ShownSummary {
  runDir: string;
  text: string;
}

const summaryShown = new vscode.EventEmitter<ShownSummary>();
let lastSummary: ShownSummary | undefined;

/** The panel drew the cards of a run. */
export function recordShownSummary(runDir: string, text: string): void {
  lastSummary = { runDir, text };
  summaryShown.fire(lastSummary);
}

/** The panel closed: it shows nothing. */
export function clearShownSummary(): void {
  lastSummary = undefined;
}

/** Resolves with the summary text once the panel shows the cards of `runDir` (any run if omitted). */
function waitForSummary(isOpen: () => boolean, runDir?: string, timeoutMs = 30_000): Promise<string> {
  const last = lastSummary;
  if (isOpen() && last && (runDir === undefined || last.runDir === runDir)) return Promise.resolve(last.text);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`The benchmark panel did not show the summary of ${runDir ?? 'a run'} within ${timeoutMs} ms (last shown: ${lastSummary?.runDir ?? 'none'}; panel ${isOpen() ? 'open' : 'closed'}).`));
    }, timeoutMs);
    const subscription = summaryShown.event((shown) => {
      if (runDir !== undefined && shown.runDir !== runDir) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(shown.text);
    });
  });
}

/** The test commands when the environment asks for them; nothing otherwise. */
export function registerPanelTestCommands(isOpen: () => boolean, env: NodeJS.ProcessEnv = process.env): vscode.Disposable[] {
  if (env[TEST_COMMANDS_ENV] !== '1') return [];
  return [
    vscode.commands.registerCommand('_medlocal.benchmarkPanel.summaryText', () => (isOpen() ? lastSummary?.text : undefined)),
    vscode.commands.registerCommand('_medlocal.benchmarkPanel.waitForSummary', (args?: { runDir?: unknown; timeoutMs?: unknown }) =>
      waitForSummary(isOpen, typeof args?.runDir === 'string' ? args.runDir : undefined, typeof args?.timeoutMs === 'number' ? args.timeoutMs : undefined),
    ),
  ];
}
