// One entry point for every dataset the benchmark reads: `--dataset KIND:PATH` → questions.

import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { RecordError, type Language, type LoadResult, type Question } from '../question';
import { DATASET_KINDS, type DatasetKind } from '../records';
import { loadSampleSet } from '../sample';
import { loadCsvQuestions } from './csv';
import { igakuqaToQuestion, loadIgakuQA } from './igakuqa';
import { isRecord, loadJsonlQuestions, readJsonlFile } from './jsonlReader';
import {
  detectLayout,
  harnessToQuestion,
  jmedbenchToQuestion,
  mappedToQuestion,
  medmcqaToQuestion,
  medqaToQuestion,
  type ColumnMapping,
  type RecordContext,
} from './mcqa';
import { msg, type Message } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';

export { DATASET_KINDS, type DatasetKind };

export interface DatasetSpec {
  kind: DatasetKind;
  /** Folder or file; not used by `sample`. */
  path?: string;
  /**
   * IgakuQA and the sample set: which text to use (ja original or en translation). Other files:
   * the language their prompts are written in; undefined = detected per question.
   */
  language?: Language;
  /** Generic JSONL/CSV layout; undefined = detected from the record fields. */
  mapping?: ColumnMapping;
  /** MedMCQA files that number `cop` 1-4 instead of 0-3. */
  copOneBased?: boolean;
  /** IgakuQA: keep image and calculation questions (the igakuqa-official protocol). */
  keepAll?: boolean;
}

/** "igakuqa:data/2018" → spec. Throws a message listing the accepted forms. */
export function parseDatasetArgument(argument: string): DatasetSpec {
  if (argument === 'sample') return { kind: 'sample' };
  const colon = argument.indexOf(':');
  const kind = colon === -1 ? '' : argument.slice(0, colon);
  const path = colon === -1 ? '' : argument.slice(colon + 1);
  if (!isDatasetKind(kind) || kind === 'sample' || path === '') {
    throw new UserError(msg('datasetUnknown', argument));
  }
  return { kind, path };
}

function isDatasetKind(value: string): value is DatasetKind {
  return (DATASET_KINDS as readonly string[]).includes(value);
}

export function loadDataset(spec: DatasetSpec): LoadResult {
  if (spec.kind === 'sample') return loadSampleSet(spec.language ?? 'ja');
  const path = spec.path;
  if (path === undefined || !existsSync(path)) {
    throw new UserError(msg('datasetFileMissing', path ?? msg('datasetNoPath'), spec.kind));
  }
  if (spec.kind !== 'igakuqa' && statSync(path).isDirectory()) {
    throw new UserError(msg('datasetPathIsFolder', path, spec.kind, spec.kind === 'csv' ? '.csv' : '.jsonl'));
  }
  switch (spec.kind) {
    case 'igakuqa':
      return loadIgakuQA(path, { ...(spec.language !== undefined ? { language: spec.language } : {}), ...(spec.keepAll ? { keepAll: true } : {}) });
    case 'csv':
      return loadCsvQuestions(path, { ...(spec.mapping ? { mapping: spec.mapping } : {}), ...(spec.language ? { language: spec.language } : {}) });
    default:
      return loadJsonlDataset(path, spec);
  }
}

function loadJsonlDataset(file: string, spec: DatasetSpec): LoadResult {
  const fileLabel = basename(file);
  const igakuqaMetadata = spec.kind === 'jsonl' ? readIgakuQAMetadata(file) : undefined;
  const result = loadJsonlQuestions(file, (record, line) => {
    if (igakuqaMetadata && detectLayout(record) === 'igakuqa') {
      return igakuqaToQuestion(record, igakuqaMetadata.byId.get(String(record['problem_id'])), undefined, {
        language: 'ja',
        source: spec.kind,
        ...(igakuqaMetadata.block !== undefined ? { block: igakuqaMetadata.block } : {}),
      });
    }
    const context: RecordContext = { fileLabel, line, source: spec.kind, ...(spec.language ? { language: spec.language } : {}) };
    switch (spec.kind) {
      case 'medqa':
        return medqaToQuestion(record, context);
      case 'medmcqa':
        return medmcqaToQuestion(record, context, spec.copOneBased ?? false);
      case 'jmedbench':
        return jmedbenchToQuestion(record, context);
      default:
        return spec.mapping ? mappedToQuestion(record, spec.mapping, context) : detectedToQuestion(record, context);
    }
  });
  if (igakuqaMetadata) {
    for (const metadataFile of igakuqaMetadata.files) result.files.push(metadataFile);
    if (igakuqaMetadata.note && result.questions.some((question) => question.source === spec.kind && /^\d{3}[A-F]\d+$/.test(question.id))) {
      // About the whole file: reported at its first line (every issue names a real line).
      result.issues.push({ file, line: 1, reason: igakuqaMetadata.note });
    }
  }
  return result;
}

/**
 * An IgakuQA question file read through `jsonl:` keeps its metadata (category, 禁忌肢, examinee
 * accuracy) from the `_metadata.jsonl` sibling, as igakuqa: does; when there is none, a note says
 * why the metadata is missing.
 */
function readIgakuQAMetadata(file: string): { byId: Map<string, Record<string, unknown>>; block?: string; files: string[]; note?: Message } {
  const match = /^(\d{3}-[A-F])\.jsonl$/.exec(basename(file));
  const sibling = file.replace(/\.jsonl$/, '_metadata.jsonl');
  const byId = new Map<string, Record<string, unknown>>();
  if (!existsSync(sibling)) {
    return { byId, files: [], ...(match ? { block: match[1] } : {}), note: msg('igakuqaNoMetadata', basename(sibling), basename(file)) };
  }
  const parsed = readJsonlFile(sibling);
  for (const { value } of parsed.records) {
    if (isRecord(value) && typeof value['problem_id'] === 'string') byId.set(value['problem_id'], value);
  }
  return { byId, files: [sibling], ...(match ? { block: match[1] } : {}) };
}

/** Generic JSONL without a mapping: each record is read by the known layout its fields match. */
function detectedToQuestion(record: Record<string, unknown>, context: RecordContext): Question {
  switch (detectLayout(record)) {
    case 'igakuqa':
      // Without its _translate companion only the original (Japanese) text exists.
      return igakuqaToQuestion(record, undefined, undefined, { language: 'ja', source: context.source });
    case 'harness':
      return harnessToQuestion(record, context);
    case 'medqa':
      return medqaToQuestion(record, context);
    case 'medmcqa':
      return medmcqaToQuestion(record, context);
    case 'jmedbench':
      return jmedbenchToQuestion(record, context);
    case undefined:
      throw new RecordError(msg('recordLayoutUnknown'));
  }
}

export { type ColumnMapping } from './mcqa';
