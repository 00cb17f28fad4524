// Model handling messages: inspect a GGUF without loading it, download one (with progress and
// cancel), the GPU doctor, and a short self-benchmark of the loaded model.
import { ProgressType, ProtocolRequestType, RequestType, RequestType0, type PartialResultParams } from 'vscode-languageserver-protocol';
import type { CuratedModel } from '../engine/models/curated';
import type { FitEstimateText, GpuDoctorReportText } from '../engine/models/doctor';
import type { ModelInspection } from '../engine/models/inspect';
import type { DownloadProgress } from '../engine/models/download';

export type { CuratedModel, DownloadProgress, ModelInspection };
/** The GPU doctor's report and the memory estimate, their reasons in the client's locale. */
export type GpuDoctorReport = GpuDoctorReportText;
export type FitEstimate = FitEstimateText;

export namespace InspectModelRequest {
  export const type = new RequestType<{ path: string }, ModelInspection, void>('medlocal/inspectModel');
}

export namespace CuratedModelsRequest {
  export const type = new RequestType0<CuratedModel[], void>('medlocal/curatedModels');
}

export interface DownloadModelParams extends PartialResultParams {
  uri: string;
  directory: string;
}

export namespace DownloadModelRequest {
  export const type = new ProtocolRequestType<DownloadModelParams, { path: string }, DownloadProgress, void, void>('medlocal/downloadModel');
  export const partialResult = new ProgressType<DownloadProgress>();
}

export interface DoctorResult {
  doctor: GpuDoctorReport;
  /** Memory estimate for the configured model, when one is configured and readable. */
  fit?: FitEstimate;
  fitError?: string;
  /** Plain text for bug reports: versions, backend, settings; never document text. */
  diagnostics: string;
}

export namespace DoctorRequest {
  export const type = new RequestType0<DoctorResult, void>('medlocal/doctor');
}

export interface SelfBenchmarkResult {
  promptTokens: number;
  promptTokensPerSecond: number;
  generatedTokens: number;
  generationTokensPerSecond: number;
}

export namespace SelfBenchmarkRequest {
  export const type = new RequestType0<SelfBenchmarkResult, void>('medlocal/selfBenchmark');
}
