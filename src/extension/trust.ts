// Workspace Trust: in an untrusted workspace, settings that make MedLocal open files or send text
// somewhere (model path, adapters, dictionaries, results folder, server URL), and
// settings whose value MedLocal shows back to the user as text (GPU, layers, threads, context size,
// models folder, remote model id, hover mode: an invalid value is quoted in a warning), are taken
// only from the user's own (machine/user) settings, never from the workspace, so a cloned
// repository cannot point the editor at a file or server of its choosing, nor put its words in a
// MedLocal message. (Shown values are escaped as foreign text all the same: src/shared/foreignText.ts.)

/** Keys under `medlocal.` that an untrusted workspace may not set (package.json lists them too). */
export const RESTRICTED_SETTINGS = [
  'backend',
  'model.path',
  'model.loraAdapters',
  'model.gpu',
  'model.gpuLayers',
  'model.threads',
  'model.contextSize',
  'model.directory',
  'dictionaries',
  'benchmark.resultsDir',
  'openai.baseUrl',
  'openai.model',
  'hover.explain',
] as const;

export interface InspectedValue {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export interface TrustFilterResult {
  settings: Record<string, unknown>;
  /** Restricted keys whose workspace value was ignored. */
  ignored: string[];
}

/**
 * Returns the `medlocal` settings object with every restricted key replaced by its user (global)
 * or default value when the workspace is not trusted.
 */
export function applyWorkspaceTrust(settings: Record<string, unknown>, trusted: boolean, inspect: (key: string) => InspectedValue | undefined): TrustFilterResult {
  if (trusted) return { settings, ignored: [] };
  const result = structuredClone(settings);
  const ignored: string[] = [];
  for (const key of RESTRICTED_SETTINGS) {
    const inspected = inspect(key);
    if (!inspected) continue;
    if (inspected.workspaceValue === undefined && inspected.workspaceFolderValue === undefined) continue;
    ignored.push(`medlocal.${key}`);
    setPath(result, key, inspected.globalValue !== undefined ? inspected.globalValue : inspected.defaultValue);
  }
  return { settings: result, ignored };
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}
