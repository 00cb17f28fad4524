// medlocal/modelInfo and medlocal/engineStats: facts about the model and the engine; the one text
// among them (why the backend fell back) in the client's language.
import type { Connection, Disposable } from 'vscode-languageserver';
import { EngineStatsRequest, ModelInfoRequest, type EngineStats } from '../../protocol/protocol';
import { localize } from '../i18n';
import type { ModelHost } from '../modelHost';

export function registerStatusRequests(connection: Connection, host: ModelHost): Disposable {
  const modelInfo = connection.onRequest(ModelInfoRequest.type, () => {
    const info = host.info;
    return info?.fallbackReason ? { ...info, fallbackReason: localize(info.fallbackReason) } : info;
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
