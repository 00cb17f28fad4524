// Model handling for the client: inspect a GGUF, the curated downloads, download with progress,
// the GPU doctor with a memory estimate, and a short self-benchmark of the loaded model.
import { performance } from 'node:perf_hooks';
import type { Connection, Disposable } from 'vscode-languageserver';
import { CuratedModelsRequest, DoctorRequest, DownloadModelRequest, InspectModelRequest, SelfBenchmarkRequest, type DoctorResult } from '../../protocol/modelsProtocol';
import type { ModelSettings } from '../../shared/settings';
import type { ModelHost } from '../modelHost';
import { CURATED_MODELS } from '../../engine/models/curated';
import { diagnosticsText, doctorReportIn, fitEstimateIn } from '../../engine/models/doctor';
import { fromWire } from '../../engine/process/wire';
import { downloadModel } from '../../engine/models/download';
import { inspectModel } from '../../engine/models/inspect';
import type { Locale } from '../../shared/messages/index';
import { describeError } from '../../shared/userError';
import { signalFromToken, toResponseError } from './cancellation';
import { SERVER_VERSION } from '../version';

const SELF_BENCH_PROMPT = '以下は胸痛で来院した患者の経過記録である。既往歴に高血圧症と2型糖尿病があり、喫煙歴がある。'.repeat(8);

export function registerModels(connection: Connection, host: ModelHost, settings: () => ModelSettings, locale: () => Locale): Disposable {
  const inspect = connection.onRequest(InspectModelRequest.type, async ({ path }) => {
    try {
      return await inspectModel(path);
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });

  const curated = connection.onRequest(CuratedModelsRequest.type, () => [...CURATED_MODELS]);

  const download = connection.onRequest(DownloadModelRequest.type, async (params, token) => {
    const progress = connection.languages.attachPartialResultProgress(DownloadModelRequest.partialResult, params);
    const linked = signalFromToken(token);
    try {
      const path = await downloadModel({ uri: params.uri, directory: params.directory, signal: linked.signal, onProgress: (p) => progress?.report(p) });
      return { path };
    } catch (error) {
      throw toResponseError(error, locale());
    } finally {
      linked.dispose();
    }
  });

  const doctor = connection.onRequest(DoctorRequest.type, async (): Promise<DoctorResult> => {
    const current = settings();
    // Native code runs only in the engine process: the loaded model's, or a short-lived one.
    const reply = await host.diagnose({
      probeUnchosen: false,
      ...(current.path ? { fit: { path: current.path, gpuLayers: current.gpuLayers, contextSize: current.contextSize, sequences: host.info?.sequences ?? 2 } } : {}),
    });
    const { report, fit } = reply;
    const fitError = reply.fitError ? describeError(fromWire(reply.fitError), locale()) : undefined;
    const info = host.info;
    const diagnostics = diagnosticsText({ doctor: report, extensionVersion: SERVER_VERSION, settings: current, ...(info ? { engine: info } : {}), ...(fit ? { fit } : {}) });
    // Reasons in the client's language; the diagnostics (for bug reports) stay in English.
    return { doctor: doctorReportIn(report, locale()), ...(fit ? { fit: fitEstimateIn(fit, locale()) } : {}), ...(fitError ? { fitError } : {}), diagnostics };
  });

  const selfBench = connection.onRequest(SelfBenchmarkRequest.type, async (token) => {
    const linked = signalFromToken(token);
    try {
      const engine = await host.getEngine();
      let started = performance.now();
      await engine.scoreNextTokens(`${SELF_BENCH_PROMPT}${Date.now()}`, ['。'], { signal: linked.signal });
      const promptSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      const generated = await engine.generate('Patient summary:', { maxTokens: 64, signal: linked.signal });
      const generationSeconds = (performance.now() - started) / 1000;
      const promptTokens = (await engine.countTokens?.(SELF_BENCH_PROMPT)) ?? SELF_BENCH_PROMPT.length;
      return {
        promptTokens,
        promptTokensPerSecond: promptTokens / promptSeconds,
        generatedTokens: generated.tokens,
        generationTokensPerSecond: generated.tokens / generationSeconds,
      };
    } catch (error) {
      throw toResponseError(error, locale());
    } finally {
      linked.dispose();
    }
  });

  return { dispose: () => [inspect, curated, download, doctor, selfBench].forEach((d) => d.dispose()) };
}
