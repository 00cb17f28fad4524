// What the status item says for each model state: plain data, no `vscode` import, so it is unit
// tested. `t` localizes (vscode.l10n.t in the extension, identity in tests).
import { markdownInline, plainForMessage } from '../shared/foreignText';
import type { ModelStatus } from '../protocol/protocol';

export type Translate = (message: string, ...args: Array<string | number>) => string;

export interface StatusView {
  text: string;
  /**
   * Markdown; command links are added by the caller. Every value from the server (model name and
   * facts, adapter paths, messages) is escaped with markdownInline: a GGUF general.name or a remote
   * server's model id is foreign text.
   */
  tooltip: string;
  severity: 'normal' | 'warning' | 'error';
}

export type ClientState = 'starting' | 'running' | 'stopped';

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function describeStatus(status: ModelStatus | undefined, client: ClientState, t: Translate): StatusView {
  if (client === 'stopped') {
    return { text: `$(debug-disconnect) ${t('MedLocal: stopped')}`, tooltip: t('The MedLocal server is not running.'), severity: 'error' };
  }
  if (client === 'starting' || !status) {
    return { text: `$(sync~spin) ${t('MedLocal: starting')}`, tooltip: t('Starting the MedLocal server…'), severity: 'normal' };
  }
  switch (status.state) {
    case 'noModel':
      return { text: `$(circle-slash) ${t('MedLocal: no model')}`, tooltip: joinLines(t('No model is configured.'), foreign(status.hint)), severity: 'warning' };
    case 'loading': {
      const percent = Math.round((status.progress ?? 0) * 100);
      return { text: `$(sync~spin) ${t('MedLocal: loading {0}%', percent)}`, tooltip: foreign(status.message) || t('Loading the model…'), severity: 'normal' };
    }
    case 'ready': {
      const model = status.model;
      const backend = status.backend ?? 'cpu';
      const lines = [
        model ? `**${foreign(model.name)}**` : '',
        model ? t('{0}, {1}, {2}', foreign(model.architecture), foreign(model.quantization), formatBytes(model.sizeBytes)) : '',
        t('Backend: {0}, GPU layers: {1}', foreign(backend), status.gpuLayers ?? 0),
        model ? t('Context: {0} tokens', model.contextSize) : '',
        ...(status.loraAdapters ?? []).map((a) => t('LoRA adapter: {0} (scale {1})', foreign(a.path), a.scale)),
        foreign(status.message),
      ];
      // The status bar text is not Markdown, but it is one line: no line breaks or brackets from the name.
      const name = model ? plainForMessage(model.name, 60) : '?';
      return { text: `$(pulse) ${t('MedLocal: {0} ({1})', name, backend)}`, tooltip: joinLines(...lines), severity: 'normal' };
    }
    case 'error':
      return { text: `$(error) ${t('MedLocal: model error')}`, tooltip: joinLines(foreign(status.message) || t('The model failed to load.'), foreign(status.hint)), severity: 'error' };
  }
}

/** Foreign text as one escaped line of Markdown ('' when absent). */
function foreign(text: string | undefined): string {
  return text ? markdownInline(text, 500) : '';
}

function joinLines(...lines: Array<string | undefined>): string {
  return lines.filter((line): line is string => Boolean(line)).join('\n\n');
}
