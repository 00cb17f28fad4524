// medlocal/modelInfo and medlocal/engineStats: facts about the model and the engine; the one text
// among them (why the backend fell back) in the client's language.
import type { Connection, Disposable } from 'vscode-languageserver';
import { EngineStatsRequest, ModelInfoRequest, type EngineStats, type ModelInfo } from '../../protocol/protocol';
import { format, type Locale } from '../../shared/messages/index';
import type { ModelHost } from '../modelHost';

export function registerStatusRequests(connection: Connection, host: ModelHost, locale: () => Locale): Disposable {
  const modelInfo = connection.onRequest(ModelInfoRequest.type, (): ModelInfo | null => {
    const info = host.info;
    if (!info) return null;
    const { fallbackReason, ...rest } = info;
    return { ...rest, ...(fallbackReason ? { fallbackReason: format(locale(), fallbackReason) } : {}) };
  });
  const stats = connection.onRequest(EngineStatsRequest.type, (): EngineStats => {
    const engine = host.current;
    const scheduler = engine?.schedulerStats();
    return {
      pid: process.pid,
      tokensGenerated: engine?.tokensGenerated ?? 0,
      totalSequences: scheduler?.total ?? 0,
      freeSequences: scheduler?.free ?? 0,
      queued: scheduler?.queued ?? { interactive: 0, background: 0 },
    };
  });
  return { dispose: () => (modelInfo.dispose(), stats.dispose()) };
}
