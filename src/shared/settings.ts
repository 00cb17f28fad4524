// The `medlocal.*` settings: their shape, defaults, validation and which need a model reload.
// Used by the client (reading VS Code's configuration) and the server (validating what it gets).
import { msg, type Message, type MessageArg } from './messages/index';

export type GpuSetting = 'auto' | 'cuda' | 'vulkan' | 'metal' | 'cpu';
export type GpuLayersSetting = 'auto' | 'max' | number;
export type ThreadsSetting = 'auto' | number;

export interface LoraAdapterSetting {
  path: string;
  /** 1 applies the adapter as trained; 0 disables it. */
  scale: number;
}

export interface ModelSettings {
  path: string;
  gpu: GpuSetting;
  gpuLayers: GpuLayersSetting;
  contextSize: number;
  threads: ThreadsSetting;
  loraAdapters: LoraAdapterSetting[];
}

export type HoverExplainSetting = 'off' | 'onDemand' | 'auto';

export type BackendSetting = 'local' | 'openai';

export interface OpenAiSettings {
  /** API root, e.g. http://127.0.0.1:8080/v1. */
  baseUrl: string;
  /** Model name sent with requests; empty: the first the server lists. */
  model: string;
}

export interface MedLocalSettings {
  backend: BackendSetting;
  openai: OpenAiSettings;
  model: ModelSettings;
  /** User dictionary files (MANBYO CSV, MeSH XML, TSV/CSV tables). */
  dictionaries: string[];
  hover: { explain: HoverExplainSetting };
}

export const DEFAULT_SETTINGS: MedLocalSettings = {
  backend: 'local',
  openai: { baseUrl: '', model: '' },
  model: { path: '', gpu: 'auto', gpuLayers: 'auto', contextSize: 4096, threads: 'auto', loraAdapters: [] },
  dictionaries: [],
  hover: { explain: 'onDemand' },
};

export interface SettingsProblem {
  setting: string;
  /** What is wrong with the value: a catalogue message, rendered in the reader's locale. */
  message: Message;
}

export interface NormalizedSettings {
  settings: MedLocalSettings;
  /** Values that were unknown or out of range and replaced by their default. */
  problems: SettingsProblem[];
}

const GPU_VALUES: readonly GpuSetting[] = ['auto', 'cuda', 'vulkan', 'metal', 'cpu'];

/** Turns whatever the configuration holds into valid settings, reporting each value it had to replace. */
export function normalizeSettings(raw: unknown): NormalizedSettings {
  const problems: SettingsProblem[] = [];
  const model = asRecord(asRecord(raw).model);
  const defaults = DEFAULT_SETTINGS.model;

  const path = typeof model.path === 'string' ? model.path.trim() : defaults.path;
  if (model.path !== undefined && typeof model.path !== 'string') {
    problems.push({ setting: 'medlocal.model.path', message: msg('settingPathNotString') });
  }

  let gpu = defaults.gpu;
  if (model.gpu !== undefined) {
    if (typeof model.gpu === 'string' && (GPU_VALUES as readonly string[]).includes(model.gpu)) gpu = model.gpu as GpuSetting;
    else problems.push({ setting: 'medlocal.model.gpu', message: msg('settingUnknownValue', JSON.stringify(model.gpu) ?? String(model.gpu), GPU_VALUES.join(', ')) });
  }

  const gpuLayers = parseCount(model.gpuLayers, ['auto', 'max'], 0, 100000, 'medlocal.model.gpuLayers', defaults.gpuLayers, problems) as GpuLayersSetting;
  const threads = parseCount(model.threads, ['auto'], 1, 1024, 'medlocal.model.threads', defaults.threads, problems) as ThreadsSetting;

  let contextSize = defaults.contextSize;
  if (model.contextSize !== undefined) {
    if (typeof model.contextSize === 'number' && Number.isInteger(model.contextSize) && model.contextSize >= 256 && model.contextSize <= 131072) {
      contextSize = model.contextSize;
    } else {
      problems.push({ setting: 'medlocal.model.contextSize', message: msg('settingContextSize', JSON.stringify(model.contextSize) ?? String(model.contextSize)) });
    }
  }
  const loraAdapters = parseLoraAdapters(model.loraAdapters, problems);
  const record = asRecord(raw);
  let dictionaries: string[] = [];
  if (Array.isArray(record.dictionaries)) dictionaries = record.dictionaries.filter((d): d is string => typeof d === 'string' && d.trim().length > 0);
  else if (record.dictionaries !== undefined) problems.push({ setting: 'medlocal.dictionaries', message: msg('settingDictionariesList') });
  let explain: HoverExplainSetting = DEFAULT_SETTINGS.hover.explain;
  const rawExplain = asRecord(record.hover).explain;
  if (rawExplain === 'off' || rawExplain === 'onDemand' || rawExplain === 'auto') explain = rawExplain;
  else if (rawExplain !== undefined) problems.push({ setting: 'medlocal.hover.explain', message: msg('settingUnknownValue', JSON.stringify(rawExplain) ?? String(rawExplain), 'off, onDemand, auto') });
  let backend: BackendSetting = 'local';
  if (record.backend === 'openai' || record.backend === 'local') backend = record.backend;
  else if (record.backend !== undefined) problems.push({ setting: 'medlocal.backend', message: msg('settingUnknownValue', JSON.stringify(record.backend) ?? String(record.backend), 'local, openai') });
  const openaiRecord = asRecord(record.openai);
  const openai: OpenAiSettings = {
    baseUrl: typeof openaiRecord.baseUrl === 'string' ? openaiRecord.baseUrl.trim() : '',
    model: typeof openaiRecord.model === 'string' ? openaiRecord.model.trim() : '',
  };
  return { settings: { backend, openai, model: { path, gpu, gpuLayers, contextSize, threads, loraAdapters }, dictionaries, hover: { explain } }, problems };
}

function parseLoraAdapters(value: unknown, problems: SettingsProblem[]): LoraAdapterSetting[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push({ setting: 'medlocal.model.loraAdapters', message: msg('settingLoraList') });
    return [];
  }
  const adapters: LoraAdapterSetting[] = [];
  value.forEach((item, index) => {
    const record = asRecord(typeof item === 'string' ? { path: item } : item);
    const path = typeof record.path === 'string' ? record.path.trim() : '';
    const scale = record.scale === undefined ? 1 : record.scale;
    if (!path || typeof scale !== 'number' || !Number.isFinite(scale)) {
      problems.push({ setting: 'medlocal.model.loraAdapters', message: msg('settingLoraItem', index + 1) });
      return;
    }
    adapters.push({ path, scale });
  });
  return adapters;
}

/** Accepts a keyword, a whole number in range, or a numeric string ("20"). */
function parseCount(
  value: unknown,
  keywords: readonly string[],
  min: number,
  max: number,
  setting: string,
  fallback: string | number,
  problems: SettingsProblem[],
): string | number {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && keywords.includes(value)) return value;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  problems.push({ setting, message: msg('settingCount', JSON.stringify(value) ?? String(value), keywords.map((k): MessageArg => `"${k}"`).reduce((list, k) => msg('orList', list, k)), min, max) });
  return fallback;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}
