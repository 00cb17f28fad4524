// The benchmark panel's side of the language server: each request the webview's views need (runs,
// one run, a question, a comparison, a dataset's facts, the prompt formats), with a clear error when
// the server is not running. It also keeps the run-folder guard: the webview may name only run
// folders the results folder lists, or ones this session started or saw.
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  BenchCompareRequest,
  BenchDatasetRequest,
  BenchFormatsRequest,
  BenchImportRequest,
  BenchListRequest,
  BenchPredictionsInfoRequest,
  BenchQuestionRequest,
  BenchRunRequest,
  type BenchImportParams,
  type BenchImportResult,
  type BenchPredictionsInfo,
  type BenchQuestionDetail,
  type DatasetFacts,
  type BenchRunListing,
  type RunComparison,
  type StoredRunInfo,
} from '../protocol/benchProtocol';
import type { FormatInfo } from '../protocol/webviewMessages';
import { format, type Strings } from '../view/strings';
import type { MedLocalClient } from './client';

export class PanelServer {
  /** Run folders the webview may name: listed in the results folder, or started/seen this session. */
  private readonly knownRuns = new Set<string>();
  private listings = new Map<string, BenchRunListing>();

  constructor(
    private readonly client: MedLocalClient,
    private readonly t: Strings,
    private readonly resultsDir: () => string,
  ) {}

  /** A request to the language server; a clear error when it is not running. */
  private async request<R>(send: (languageClient: LanguageClient) => Promise<R>): Promise<R> {
    const languageClient = this.client.languageClient;
    if (!languageClient || !this.client.running) throw new Error(this.t.serverNotRunning);
    return send(languageClient);
  }

  /** The prompt formats, or undefined while the server is not running. */
  async formats(): Promise<FormatInfo[] | undefined> {
    const languageClient = this.client.languageClient;
    if (!languageClient || !this.client.running) return undefined;
    return languageClient.sendRequest(BenchFormatsRequest.type);
  }

  // ---- the run-folder guard -----------------------------------------------------------------

  /** A run folder this session started or saw: the webview may name it. */
  allow(runDir: string): void {
    this.knownRuns.add(runDir);
  }

  /** The results folder's runs, as last listed. */
  lastListings(): BenchRunListing[] {
    return [...this.listings.values()];
  }

  listing(runDir: string): BenchRunListing | undefined {
    return this.listings.get(runDir);
  }

  /** Lists the results folder; every run it lists may then be named. */
  async listRuns(): Promise<BenchRunListing[]> {
    const { runs } = await this.request((c) => c.sendRequest(BenchListRequest.type, { resultsDir: this.resultsDir() }));
    this.listings = new Map(runs.map((run) => [run.runDir, run]));
    for (const run of runs) this.knownRuns.add(run.runDir);
    return runs;
  }

  /** Only run folders the results folder lists (or this session started) may be read or revealed. */
  async isKnownRun(runDir: string, relist: () => Promise<void>): Promise<boolean> {
    if (this.knownRuns.has(runDir)) return true;
    await relist();
    return this.knownRuns.has(runDir);
  }

  notARunFolder(runDir: string): Error {
    return new Error(format(this.t.notARunFolder, runDir, this.resultsDir()));
  }

  // ---- reading runs -------------------------------------------------------------------------

  /** A listed run (the caller has checked it with isKnownRun). */
  async readRun(runDir: string): Promise<StoredRunInfo> {
    return this.request((c) => c.sendRequest(BenchRunRequest.type, { runDir }));
  }

  async question(runDir: string, id: string): Promise<BenchQuestionDetail> {
    return this.request((c) => c.sendRequest(BenchQuestionRequest.type, { runDir, id }));
  }

  async compare(runA: string, runB: string): Promise<RunComparison> {
    return this.request((c) => c.sendRequest(BenchCompareRequest.type, { runA, runB }));
  }

  async datasetFacts(dataset: string, language: 'ja' | 'en'): Promise<DatasetFacts> {
    return this.request((c) => c.sendRequest(BenchDatasetRequest.type, { dataset, language }));
  }

  // ---- importing predictions ----------------------------------------------------------------

  async predictionsInfo(predictions: string): Promise<BenchPredictionsInfo> {
    return this.request((c) => c.sendRequest(BenchPredictionsInfoRequest.type, { predictions }));
  }

  /** Scores predictions into a new run folder in the results folder; the webview may then name it. */
  async importPredictions(params: Omit<BenchImportParams, 'resultsDir'>): Promise<BenchImportResult> {
    const result = await this.request((c) => c.sendRequest(BenchImportRequest.type, { ...params, resultsDir: this.resultsDir() }));
    this.allow(result.runDir);
    return result;
  }
}
