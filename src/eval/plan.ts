// One run plan for every way a benchmark starts (the CLI, the panel, the Run Benchmark command):
// the recipe the user chose → the questions, the prompt format and the run folder. The recipe is
// stored in the run's manifest under one key, so a run started anywhere resumes anywhere.
import { loadDataset, parseDatasetArgument, type DatasetSpec } from './datasets';
import { getPromptFormat, loadTemplateFormat, type PromptFormat } from './formats';
import { summariseDataset, type DatasetSummary, type Language, type Question } from './question';
import type { ProtocolId, RunManifest, ScoringMode, ShuffleSpec } from './records';
import { MAX_SHUFFLE_PERMUTATIONS, SCORING_MODES } from './records';
import { applyHarnessFilter, isProtocolId, PROTOCOL_IDS } from './protocols';
import { msg, type Message } from '../shared/messages/index';
import { UserError } from '../shared/userError';

/** What the user chose: everything needed to rebuild the same questions and prompts. No model. */
export interface RunRecipe {
  dataset: string;
  language?: Language;
  scoring: ScoringMode;
  /** A built-in prompt format id; the mode's default when neither this nor `template` is given. */
  format?: string;
  /** A template file instead of a built-in format. */
  template?: string;
  /** Evaluate this many questions: the first ones, or a seeded random sample when `seed` is set. */
  limit?: number;
  seed?: number;
  /** The evaluation protocol (src/eval/protocols); absent = medlocal, MedLocal's own scoring. */
  protocol?: ProtocolId;
  /** Ask each question under `k` permutations of its choices drawn from `seed` (src/eval/shuffle.ts). */
  shuffle?: ShuffleSpec;
}

/** The manifest key the recipe is stored under. */
export const RECIPE_KEY = 'recipe';

/** Default prompt format per scoring mode: each is the prompt shape that mode was designed around. */
export const DEFAULT_FORMAT: Readonly<Record<ScoringMode, string>> = {
  letter: 'igakuqa',
  likelihood: 'jmedbench_mcqa',
  generate: 'medpalm_five_choice_cot',
};

/** A recipe that cannot run: the user's input is wrong, and the message says how to fix it. */
export class PlanError extends UserError {
  constructor(text: Message) {
    super(text);
    this.name = 'PlanError';
  }
}

export interface RunPlan {
  recipe: RunRecipe;
  /** The questions to ask, in order. */
  questions: Question[];
  /** The planned questions' facts: loaded, skipped (with reasons), issues as `file:line: reason`. */
  dataset: DatasetSummary;
  /** The same facts over the whole dataset, before the limit. */
  available: DatasetSummary;
  /** Every dataset file read (the runner records their sha256). */
  files: string[];
  format: PromptFormat;
}

/** Loads the dataset and format a recipe names and checks they can run together. */
export function planRun(recipe: RunRecipe): RunPlan {
  checkRecipe(recipe);
  const spec: DatasetSpec = { ...parseDatasetArgument(recipe.dataset), ...(recipe.language ? { language: recipe.language } : {}) };
  if (recipe.protocol === 'igakuqa-official') {
    if (spec.kind !== 'igakuqa') throw new PlanError(msg('planOfficialNeedsIgakuqa', recipe.dataset));
    spec.keepAll = true;
  }
  const loaded = recipe.protocol === 'harness' ? applyHarnessFilter(loadDataset(spec)) : loadDataset(spec);
  const questions = pickQuestions(loaded.questions, recipe.limit, recipe.seed);
  const dataset = summariseDataset(loaded, questions);
  const format = recipe.template !== undefined ? loadTemplateFormat(recipe.template) : getPromptFormat(recipe.format ?? DEFAULT_FORMAT[recipe.scoring]);
  return { recipe, questions, dataset, available: summariseDataset(loaded), files: loaded.files, format };
}

/** Throws PlanError when the plan has nothing to run or its format cannot serve its scoring mode. */
export function checkRunnable(plan: RunPlan): void {
  if (plan.questions.length === 0) throw new PlanError(msg('noUsableQuestionsDryRun', plan.recipe.dataset));
  if (plan.recipe.scoring === 'letter' && !plan.format.labelsChoices) {
    throw new PlanError(msg('letterScoringNoLetters', plan.format.id));
  }
  if (plan.recipe.protocol === 'harness' && plan.recipe.scoring !== 'generate') {
    throw new PlanError(msg('planHarnessNeedsGenerate'));
  }
}

export function checkRecipe(recipe: RunRecipe): void {
  if (!recipe.dataset) throw new PlanError(msg('planNoDataset'));
  if (!(SCORING_MODES as readonly string[]).includes(recipe.scoring)) throw new PlanError(msg('planBadScoring', SCORING_MODES.join(', '), String(recipe.scoring)));
  if (recipe.language !== undefined && recipe.language !== 'ja' && recipe.language !== 'en') throw new PlanError(msg('planBadLanguage', String(recipe.language)));
  if (recipe.format !== undefined && recipe.template !== undefined) throw new PlanError(msg('planFormatAndTemplate'));
  if (recipe.protocol !== undefined && !isProtocolId(recipe.protocol)) throw new PlanError(msg('planBadProtocol', PROTOCOL_IDS.join(', '), String(recipe.protocol)));
  for (const [name, value] of [['limit', recipe.limit], ['seed', recipe.seed]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < (name === 'limit' ? 1 : 0))) throw new PlanError(name === 'limit' ? msg('planBadLimit', String(value)) : msg('planBadNumber', name, String(value)));
  }
  if (recipe.shuffle !== undefined) {
    const { k, seed } = recipe.shuffle;
    if (!Number.isInteger(k) || k < 1 || k > MAX_SHUFFLE_PERMUTATIONS) throw new PlanError(msg('planBadShuffleCount', MAX_SHUFFLE_PERMUTATIONS, String(k)));
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new PlanError(msg('planBadShuffleSeed', 0xffffffff, String(seed)));
  }
}

/** The first `limit` questions, or a seeded random sample of that size (same seed, same sample). */
export function pickQuestions(questions: readonly Question[], limit: number | undefined, seed: number | undefined): Question[] {
  if (limit === undefined || limit >= questions.length) return [...questions];
  if (seed === undefined) return questions.slice(0, limit);
  const random = seededRandom(seed);
  const copy = [...questions];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as Question, copy[i] as Question];
  }
  return copy.slice(0, limit);
}

/** mulberry32: small, fast, and the same sequence on every platform for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The recipe stored in a run's manifest. Runs written before the recipe had one key kept it under
 * `cli` (with the model path, which is dropped: a model path read from a run folder is never
 * loaded) or `bench`; both are read. Anything malformed gives undefined.
 */
export function recipeFromManifest(manifest: RunManifest | undefined): RunRecipe | undefined {
  if (!manifest) return undefined;
  const stored = manifest[RECIPE_KEY] ?? manifest['bench'] ?? manifest['cli'];
  if (typeof stored !== 'object' || stored === null) return undefined;
  const raw = stored as Record<string, unknown>;
  if (typeof raw.dataset !== 'string') return undefined;
  const scoring = typeof raw.scoring === 'string' ? raw.scoring : manifest.scoring?.mode;
  const recipe: RunRecipe = {
    dataset: raw.dataset,
    scoring: scoring as ScoringMode,
    ...(raw.language === 'ja' || raw.language === 'en' ? { language: raw.language } : {}),
    ...(typeof raw.format === 'string' ? { format: raw.format } : {}),
    ...(typeof raw.template === 'string' ? { template: raw.template } : {}),
    ...(typeof raw.limit === 'number' ? { limit: raw.limit } : {}),
    ...(typeof raw.seed === 'number' ? { seed: raw.seed } : {}),
    ...(isProtocolId(raw.protocol) ? { protocol: raw.protocol } : {}),
    ...shuffleFrom(raw.shuffle),
  };
  try {
    checkRecipe(recipe);
  } catch {
    return undefined;
  }
  return recipe;
}

function shuffleFrom(value: unknown): { shuffle?: ShuffleSpec } {
  if (typeof value !== 'object' || value === null) return {};
  const { k, seed } = value as Record<string, unknown>;
  return { shuffle: { k: k as number, seed: seed as number } };
}

/** A run folder's name: `20261207-013842-igakuqa-letter-model` (no path separators from inputs). */
export function runFolderName(recipe: RunRecipe, modelName: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dataset = recipe.dataset.split(':')[0] ?? 'dataset';
  const model = modelName.replace(/\.gguf$/i, '');
  return [stamp, dataset, recipe.scoring, model].map((part) => part.replace(/[^\p{L}\p{N}._-]+/gu, '_')).filter(Boolean).join('-');
}

/** A recipe field that changes the numbers, as the resumed run stored it and as asked now. */
export interface RecipeDifference {
  field: 'dataset' | 'scoring' | 'protocol' | 'shuffle' | 'language' | 'format' | 'template';
  stored: string;
  given: string;
}

/**
 * What a resume asks for that differs from the run's stored recipe: only the fields `given` names
 * are compared (a field left out keeps the stored value); protocol medlocal is the same as none,
 * shuffle compares K and seed. Resuming with any difference would mix two recipes in one result.
 * --limit and the sample's --seed are not compared: they choose which questions are asked (a run
 * may grow from its first 4 to its first 8), and every kept answer stays an answer of the same recipe.
 */
export function recipeDifferences(stored: RunRecipe, given: Partial<RunRecipe>): RecipeDifference[] {
  const shown = (value: unknown): string => (value === undefined ? '(none)' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  const differences: RecipeDifference[] = [];
  const compare = (field: RecipeDifference['field'], before: unknown, now: unknown) => {
    if (shown(before) !== shown(now)) differences.push({ field, stored: shown(before), given: shown(now) });
  };
  if (given.dataset !== undefined) compare('dataset', stored.dataset, given.dataset);
  if (given.scoring !== undefined) compare('scoring', stored.scoring, given.scoring);
  if (given.protocol !== undefined) compare('protocol', stored.protocol ?? 'medlocal', given.protocol);
  if (given.shuffle !== undefined) {
    const text = (spec: ShuffleSpec | undefined) => (spec === undefined ? '(none)' : `K ${spec.k}, seed ${spec.seed}`);
    if (text(stored.shuffle) !== text(given.shuffle)) differences.push({ field: 'shuffle', stored: text(stored.shuffle), given: text(given.shuffle) });
  }
  // A run that stored no language used its dataset's own (MedQA en, IgakuQA ja...): not second-guessed here.
  if (given.language !== undefined && stored.language !== undefined) compare('language', stored.language, given.language);
  if (given.format !== undefined) compare('format', stored.format ?? (stored.template === undefined ? DEFAULT_FORMAT[stored.scoring] : undefined), given.format);
  if (given.template !== undefined) compare('template', stored.template, given.template);
  return differences;
}
