// The one run plan shared by the CLI and the server: recipe → questions, format; the recipe read
// back from any manifest (new key, or the CLI's and the panel's older keys).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRunnable, DEFAULT_FORMAT, pickQuestions, planRun, PlanError, recipeFromManifest, RECIPE_KEY, runFolderName, type RunRecipe } from '../../../src/eval/plan';
import type { RunManifest } from '../../../src/eval/records';

function manifest(extra: Record<string, unknown>): RunManifest {
  return {
    medlocalVersion: '0.1.0',
    status: 'completed',
    startedAt: '2026-12-07T00:00:00.000Z',
    dataset: { files: [], questions: 3 },
    format: { id: 'igakuqa', hash: 'x', description: '' },
    scoring: { mode: 'letter' },
    parallel: 1,
    ...extra,
  };
}

describe('run plan', () => {
  it('plans the sample set with the scoring mode’s default format, a limit and a seed', () => {
    const plan = planRun({ dataset: 'sample', scoring: 'generate', limit: 5, seed: 7 });
    assert.equal(plan.questions.length, 5);
    assert.equal(plan.format.id, DEFAULT_FORMAT.generate);
    assert.equal(plan.dataset.loaded, 5);
    const again = planRun({ dataset: 'sample', scoring: 'generate', limit: 5, seed: 7 });
    assert.deepEqual(again.questions.map((q) => q.id), plan.questions.map((q) => q.id));
    const other = planRun({ dataset: 'sample', scoring: 'generate', limit: 5, seed: 8 });
    assert.notDeepEqual(other.questions.map((q) => q.id), plan.questions.map((q) => q.id));
  });

  it('without a seed takes the first questions; a seed samples without repeats', () => {
    const questions = planRun({ dataset: 'sample', scoring: 'letter' }).questions;
    assert.deepEqual(pickQuestions(questions, 3, undefined).map((q) => q.id), questions.slice(0, 3).map((q) => q.id));
    const sampled = pickQuestions(questions, 10, 42).map((q) => q.id);
    assert.equal(new Set(sampled).size, 10);
    assert.ok(sampled.every((id) => questions.some((q) => q.id === id)));
  });

  it('refuses a letter run whose format shows no letters, and a recipe with wrong values', () => {
    const plan = planRun({ dataset: 'sample', scoring: 'letter', format: 'medpalm_five_choice_cot' });
    assert.throws(() => checkRunnable(plan), (error: unknown) => error instanceof PlanError && /no choice letters/.test(error.message));
    assert.throws(() => planRun({ dataset: 'sample', scoring: 'guess' as RunRecipe['scoring'] }), PlanError);
    assert.throws(() => planRun({ dataset: 'sample', scoring: 'letter', limit: 0 }), PlanError);
    assert.throws(() => planRun({ dataset: 'sample', scoring: 'letter', format: 'igakuqa', template: 'x.txt' }), PlanError);
  });

  it('reads the recipe from the new key and from the CLI’s and the panel’s older keys', () => {
    const recipe: RunRecipe = { dataset: 'sample', scoring: 'letter', limit: 4, seed: 3, format: 'igakuqa' };
    assert.deepEqual(recipeFromManifest(manifest({ [RECIPE_KEY]: recipe })), recipe);
    // The CLI stored its choices with the model path: the path is never part of the recipe.
    assert.deepEqual(recipeFromManifest(manifest({ cli: { dataset: 'sample', scoring: 'generate', model: '/models/x.gguf' } })), { dataset: 'sample', scoring: 'generate' });
    assert.deepEqual(recipeFromManifest(manifest({ bench: { dataset: 'sample', scoring: 'likelihood', format: 'jmedbench_mcqa', language: 'en' } })), {
      dataset: 'sample',
      scoring: 'likelihood',
      format: 'jmedbench_mcqa',
      language: 'en',
    });
    assert.equal(recipeFromManifest(manifest({})), undefined);
    assert.equal(recipeFromManifest(manifest({ [RECIPE_KEY]: { dataset: 3 } })), undefined);
    assert.equal(recipeFromManifest(manifest({ [RECIPE_KEY]: { dataset: 'sample', scoring: 'letter', limit: -1 } })), undefined);
  });

  it('names run folders without path separators from the dataset or model name', () => {
    const name = runFolderName({ dataset: 'jsonl:../../etc/x.jsonl', scoring: 'letter' }, '../evil/model.gguf', new Date('2026-12-07T01:02:03Z'));
    assert.equal(name.startsWith('20261207-010203-jsonl-letter-'), true, name);
    assert.ok(!name.includes('/') && !name.includes('\\'), name);
  });
});
