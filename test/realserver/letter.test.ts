// Scoring through llama-server vs locally, same tiny GGUF: `letter` (next-token log-probabilities)
// must give the same predictions and near-equal per-choice probabilities; `generate` answers every
// question. Both run the real CLI (dist/cli.js: `npm run build` first).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { skipReason, startLlamaServer, type LlamaServer } from './llamaServer';

const skip = skipReason();
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const QUESTIONS = 12;
/** Float noise between llama-server's and node-llama-cpp's builds of the same llama.cpp. */
const MAX_PROBABILITY_DIFFERENCE = 0.01;
let tiny = '';
let llama: LlamaServer;

before(async () => {
  if (skip) return;
  tiny = await ensureTinyModel();
  llama = await startLlamaServer({ model: tiny, parallel: 2 });
}, { timeout: 180_000 });
after(async () => {
  await llama?.stop();
});

/** The end of llama-server's own log, printed with a failure so its side of the story is there too. */
const serverLogTail = () => `llama-server log (last 30 lines):\n${llama.log().trim().split('\n').slice(-30).join('\n')}`;

interface Answer { id: string; predicted: number[]; choiceProbs?: number[]; error?: string; mode: string }

/** Runs the CLI asynchronously (the test process must stay responsive) and reads answers.jsonl. */
function bench(extra: string[]): Promise<Answer[]> {
  const out = join(mkdtempSync(join(tmpdir(), 'medlocal-realserver-')), 'run');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'bench', '--dataset', 'sample', '--limit', String(QUESTIONS), '--out', out, '--json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`medlocal bench exited ${code}: ${stderr}`));
      const lines = readFileSync(join(out, 'answers.jsonl'), 'utf8').trim().split('\n');
      resolve(lines.map((line) => JSON.parse(line) as Answer).sort((a, b) => a.id.localeCompare(b.id)));
    });
  });
}

test('letter scoring: llama-server and the local engine give the same predictions (max probability difference bounded)', { skip, timeout: 300_000 }, async () => {
  const local = await bench(['--model', tiny, '--scoring', 'letter']);
  const remote = await bench(['--backend', 'openai', '--base-url', llama.baseUrl, '--scoring', 'letter', '--parallel', '2']);
  assert.equal(remote.length, QUESTIONS);
  let maxDifference = 0;
  let differing = 0;
  for (const [i, mine] of local.entries()) {
    const theirs = remote[i] as Answer;
    assert.equal(theirs.id, mine.id);
    assert.equal(theirs.error, undefined, `${theirs.error}\n${serverLogTail()}`);
    if (JSON.stringify(theirs.predicted) !== JSON.stringify(mine.predicted)) differing++;
    for (const [c, p] of (mine.choiceProbs ?? []).entries()) maxDifference = Math.max(maxDifference, Math.abs(p - (theirs.choiceProbs?.[c] ?? NaN)));
  }
  const show = (a: Answer) => (a.choiceProbs ?? []).map((p) => p.toFixed(4)).join(' ');
  console.log(`${local[0]?.id} per-choice probabilities: local ${show(local[0] as Answer)} | llama-server ${show(remote[0] as Answer)}`);
  console.log(`letter scoring, ${QUESTIONS} questions: ${differing} predictions differ; max per-choice probability difference ${maxDifference.toExponential(2)}`);
  assert.equal(differing, 0, `${differing} of ${QUESTIONS} predictions differ`);
  assert.ok(maxDifference <= MAX_PROBABILITY_DIFFERENCE, `max difference ${maxDifference}`);
});

test('generate scoring through llama-server answers every question', { skip, timeout: 300_000 }, async () => {
  const answers = await bench(['--backend', 'openai', '--base-url', llama.baseUrl, '--scoring', 'generate', '--parallel', '2']);
  assert.equal(answers.length, QUESTIONS);
  for (const answer of answers) {
    assert.equal(answer.error, undefined, `${answer.error}\n${serverLogTail()}`);
    assert.equal(answer.mode, 'generate');
  }
});
