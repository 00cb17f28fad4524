// Extension entry point: create the client context, register commands and providers, start the server.
import * as vscode from 'vscode';
import { AskController } from './ask';
import { BenchController } from './bench';
import { checkApiKey } from '../shared/secrets';
import { apiKeyProblemText, MedLocalClient, OPENAI_KEY_SECRET, type MedLocalApi } from './client';
import { QuestionCodeLensProvider } from './codeLens';
import { registerCommands } from './commands';
import { ExplainController } from './explain';
import { NoteContinuationProvider } from './inlineCompletion';
import { ModelCommands } from './models';
import { registerBenchmarkPanel } from './panel';

let client: MedLocalClient | undefined;

export interface MedLocalExtensionApi extends MedLocalApi {
  /** Asks about the question at the active editor's cursor; resolves when the answer is complete. */
  ask(editor?: vscode.TextEditor): ReturnType<AskController['ask']>;
  cancelAsk(): void;
}

export async function activate(context: vscode.ExtensionContext): Promise<MedLocalExtensionApi> {
  client = new MedLocalClient(context);
  const asks = new AskController(client);
  const codeLens = new QuestionCodeLensProvider();
  const explain = new ExplainController(client);
  const bench = new BenchController(context, client);
  const continuation = new NoteContinuationProvider(client);
  const models = new ModelCommands(context, client);
  client.onDidStart(() => bench.attach());
  const notes = ['markdown', 'plaintext'].flatMap((language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
  ]);
  context.subscriptions.push(
    client,
    asks,
    codeLens,
    explain,
    bench,
    registerBenchmarkPanel({ extensionUri: context.extensionUri, bench, client }),
    vscode.commands.registerCommand('medlocal.runBenchmark', (choices?: Parameters<BenchController['runFromCommand']>[0]) => bench.runFromCommand(choices)),
    vscode.commands.registerCommand('medlocal.setOpenAiApiKey', async (value?: string) => {
      const validateInput = (text: string) => {
        const checked = checkApiKey(text);
        return checked.ok ? undefined : apiKeyProblemText(checked.problem);
      };
      const raw = typeof value === 'string' ? value : await vscode.window.showInputBox({ title: vscode.l10n.t('API key of the OpenAI-compatible server (kept in the system keychain; empty removes it)'), password: true, ignoreFocusOut: true, validateInput });
      if (raw === undefined) return;
      // Surrounding spaces (a paste's trailing space or newline) are dropped; a key that cannot
      // travel in an HTTP header is refused without quoting it.
      const checked = checkApiKey(raw);
      if (!checked.ok) {
        void vscode.window.showErrorMessage(vscode.l10n.t('MedLocal: the API key was not saved: {0} Paste the key alone and try again.', apiKeyProblemText(checked.problem)));
        return;
      }
      const key = checked.key;
      if (key) await context.secrets.store(OPENAI_KEY_SECRET, key);
      else await context.secrets.delete(OPENAI_KEY_SECRET);
      await client?.sendSecrets();
    }),
    vscode.commands.registerCommand('medlocal.explainTerm', (args?: { term?: string; entryId?: string; uri?: string }) => explain.explain(args)),
    vscode.languages.registerCodeLensProvider(notes, codeLens),
    continuation,
    vscode.languages.registerInlineCompletionItemProvider(notes, continuation),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('medlocal.codeLens.enabled')) codeLens.refresh();
      if (event.affectsConfiguration('medlocal.hover.languages')) void client?.restart();
    }),
    // Granting trust changes which settings apply: the server re-reads them.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.restart()),
    models,
    ...registerCommands(client, asks, models),
  );
  await client.start();
  return { ...client.api, ask: (editor) => asks.ask(editor), cancelAsk: () => asks.cancel() };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
