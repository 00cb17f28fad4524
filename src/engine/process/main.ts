// The engine process (dist/engine.js): owns node-llama-cpp and nothing else. The language server
// (or the CLI) forks it and talks to it through the messages of protocol.ts. Its libuv pool is
// pinned small (workerPool.ts says why) — the parent keeps libuv's default pool, so its file reads
// never wait behind a decode. One model at a time; the scheduler (interactive before background)
// runs here, next to the sequences it hands out.
import '../poolPreamble';
import { LlamaEngine } from '../llamaEngine';
import { fitEstimate, gpuDoctor } from '../models/doctor';
import { sharedLlama } from '../llamaRuntime';
import { loadNodeLlamaCpp } from '../nodeLlamaCpp';
import { msg } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';
import type { ChildMessage, DoctorReply, EngineCalls, EngineOp, ParentMessage } from './protocol';
import { toWire } from './wire';

let engine: LlamaEngine | undefined;
const controllers = new Map<number, AbortController>();

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

const log = (message: string) => send({ type: 'log', message });

function sendStats(): void {
  if (engine) send({ type: 'stats', tokensGenerated: engine.tokensGenerated, scheduler: engine.schedulerStats() });
}

function loaded(): LlamaEngine {
  if (!engine) throw new UserError(msg('modelUnloaded'));
  return engine;
}

type Handlers = { [K in EngineOp]: (args: EngineCalls[K]['args'], id: number, signal: AbortSignal) => Promise<EngineCalls[K]['reply']> };

const handlers: Handlers = {
  async load(args, id, signal) {
    const previous = engine;
    engine = undefined;
    await previous?.dispose();
    engine = await LlamaEngine.load({
      settings: args.settings,
      cores: args.cores,
      sequences: args.sequences,
      ...(args.reserveForInteractive !== undefined ? { reserveForInteractive: args.reserveForInteractive } : {}),
      signal,
      log,
      onProgress: (fraction) => send({ type: 'progress', id, fraction }),
    });
    sendStats();
    return engine.info;
  },
  scoreNextTokens: (args, _id, signal) => loaded().scoreNextTokens(args.prompt, args.candidates, { signal, ...(args.priority ? { priority: args.priority } : {}) }),
  scoreContinuations: (args, _id, signal) => loaded().scoreContinuations(args.prompt, args.continuations, { signal, ...(args.priority ? { priority: args.priority } : {}) }),
  async generate(args, id, signal) {
    // Chunks seen after the cancel arrived: the parent's measure of "stops within a token".
    let chunks = 0;
    let chunksAtCancel: number | undefined;
    signal.addEventListener('abort', () => (chunksAtCancel = chunks), { once: true });
    const result = await loaded().generate(args.prompt, {
      maxTokens: args.maxTokens,
      ...(args.temperature !== undefined ? { temperature: args.temperature } : {}),
      ...(args.stopStrings ? { stopStrings: args.stopStrings } : {}),
      ...(args.priority ? { priority: args.priority } : {}),
      signal,
      onTextChunk: (text) => {
        chunks++;
        if (args.stream) send({ type: 'chunk', id, text });
      },
    });
    return chunksAtCancel === undefined ? result : { ...result, afterCancel: { chunks: chunks - chunksAtCancel, stopReason: result.stopReason } };
  },
  countTokens: async (args) => loaded().countTokens(args.text),
  async doctor(args) {
    // The loaded model's Llama, else the process's shared one (started here, never in the parent).
    const llama = engine?.llamaInstance ?? (await sharedLlama(await loadNodeLlamaCpp(), 'auto', {}).catch(() => undefined));
    const report = await gpuDoctor({ ...(llama ? { llama } : {}), probeUnchosen: args.probeUnchosen });
    const reply: DoctorReply = { report };
    if (args.fit) {
      try {
        reply.fit = await fitEstimate(args.fit.path, { gpuLayers: args.fit.gpuLayers, contextSize: args.fit.contextSize, sequences: args.fit.sequences, ...(llama ? { llama } : {}) });
      } catch (error) {
        reply.fitError = toWire(error);
      }
    }
    return reply;
  },
  async unload() {
    const previous = engine;
    engine = undefined;
    await previous?.dispose();
    return null;
  },
};

async function handle(message: ParentMessage): Promise<void> {
  if (message.type === 'cancel') {
    controllers.get(message.id)?.abort();
    return;
  }
  const controller = new AbortController();
  controllers.set(message.id, controller);
  const handler = handlers[message.op] as (args: unknown, id: number, signal: AbortSignal) => Promise<unknown>;
  const counts = message.op !== 'countTokens' && message.op !== 'doctor';
  // Counters go out before the reply, so a caller that reads them after the reply sees this call's.
  try {
    const pending = handler(message.args, message.id, controller.signal);
    if (counts) sendStats();
    const value = await pending;
    controllers.delete(message.id);
    if (counts) sendStats();
    send({ type: 'result', id: message.id, value });
  } catch (error) {
    controllers.delete(message.id);
    if (counts) sendStats();
    send({ type: 'error', id: message.id, error: toWire(error) });
  }
}

process.on('message', (message: ParentMessage) => void handle(message));
// The parent went away (closed, crashed): nothing is left to serve.
process.on('disconnect', () => process.exit(0));
send({ type: 'started', pid: process.pid });
