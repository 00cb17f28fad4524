// Fault 2: `medlocal bench` (the built CLI, generate scoring on the sample set) is SIGKILLed at 20
// random points of one run: half after a random delay from spawn (module load, model load,
// manifest write, first question...), half right after a progress line plus a random jitter
// (mid-question, mid-append). Each time the run is continued with `--resume DIR`. Every resume
// must either be killed by us or finish with exit 0, and the final answers.jsonl holds each
// question exactly once, every line valid JSON. Seeded: FAULT_SEED=<n> replays a schedule.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { CLI_JS, percentile, prng, seedFromEnv, within, scratchDir } from './support/faultServer';

const KILLS = 20;
let model: string;

before(async () => {
  assert.ok(existsSync(CLI_JS), 'run `npm run build` first');
  model = await ensureTinyModel();
});

interface Lines {
  lines: string[];
  tornTail: boolean;
}

function readAnswerLines(path: string): Lines {
  if (!existsSync(path)) return { lines: [], tornTail: false };
  const text = readFileSync(path, 'utf8');
  const parts = text.split('\n');
  const tail = parts.pop() ?? '';
  return { lines: parts.filter((line) => line !== ''), tornTail: tail !== '' };
}

test(`the CLI SIGKILLed at ${KILLS} random points of one run resumes to a complete, clean answers.jsonl`, async () => {
  const seed = seedFromEnv(0x7f3a);
  const random = prng(seed);
  const out = join(scratchDir('medlocal-fault-cli-'), 'run');
  const answersPath = join(out, 'answers.jsonl');
  // One thread: llama.cpp's two compute threads spin against each other when another process takes
  // a core, which made this test's timing depend on the machine's load.
  const firstCommand = [CLI_JS, 'bench', '--dataset', 'sample', '--model', model, '--scoring', 'generate', '--threads', '1', '--out', out];
  const startupSamples: number[] = [];
  const log: string[] = [];
  let kills = 0;
  let spawns = 0;
  let tornSeen = 0;
  let completed = false;
  const started = performance.now();

  while (!completed) {
    assert.ok(spawns < KILLS + 10, `too many restarts (${spawns}) without finishing`);
    // Before the first manifest is written there is nothing to resume: rerun the first command.
    const resume = existsSync(join(out, 'manifest.json'));
    const args = resume ? [CLI_JS, 'bench', '--resume', out, '--model', model, '--threads', '1'] : firstCommand;
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    spawns++;
    const spawnedAt = performance.now();
    let stderr = '';
    let progressLines = 0;
    let firstProgressAt: number | undefined;
    let killedAt: number | undefined;
    const kill = () => {
      if (killedAt === undefined && child.exitCode === null) {
        killedAt = performance.now() - spawnedAt;
        child.kill('SIGKILL');
      }
    };
    let plan = 'none';
    let timer: NodeJS.Timeout | undefined;
    let onFirstProgress: (() => void) | undefined;
    if (kills < KILLS) {
      const startup = startupSamples.length > 0 ? percentile(startupSamples, 50) : 1200;
      if (random() < 0.5) {
        const delay = Math.floor(random() * (startup + 300));
        plan = `delay ${delay} ms`;
        timer = setTimeout(kill, delay);
      } else {
        const jitter = Math.floor(random() * 150);
        plan = `1st progress line + ${jitter} ms`;
        onFirstProgress = () => {
          timer = setTimeout(kill, jitter);
        };
      }
    }
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      const lines = (text.match(/\] \d+\/\d+ /g) ?? []).length;
      progressLines += lines;
      if (lines > 0 && firstProgressAt === undefined) {
        firstProgressAt = performance.now() - spawnedAt;
        onFirstProgress?.();
      }
    });
    const exit = await within(
      new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
      120000,
      `CLI run ${spawns} to exit`,
    );
    clearTimeout(timer);
    if (firstProgressAt !== undefined) startupSamples.push(firstProgressAt);
    const { lines, tornTail } = readAnswerLines(answersPath);
    if (tornTail) tornSeen++;
    if (exit.signal === 'SIGKILL') {
      kills++;
      log.push(`#${spawns} ${resume ? 'resume' : 'start '} killed at ${killedAt?.toFixed(0)} ms (${plan}) after ${progressLines} progress lines, ${lines.length} answers on disk${tornTail ? ', torn tail' : ''}`);
    } else {
      assert.equal(exit.code, 0, `run ${spawns} (${resume ? 'resume' : 'start'}) failed with ${exit.code}:\n${stderr}`);
      log.push(`#${spawns} ${resume ? 'resume' : 'start '} finished (exit 0) with ${lines.length} answers`);
      completed = true;
    }
  }
  const totalMs = performance.now() - started;

  const { lines, tornTail } = readAnswerLines(answersPath);
  assert.equal(tornTail, false, 'answers.jsonl ends with a complete line');
  const records = lines.map((line, i) => {
    try {
      return JSON.parse(line) as { id: string; error?: string };
    } catch (error) {
      assert.fail(`answers.jsonl line ${i + 1} is corrupt: ${(error as Error).message}: ${line.slice(0, 200)}`);
    }
  });
  const ids = records.map((r) => r.id);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { status: string; dataset: { questions: number }; resumedAt?: string[] };
  const total = manifest.dataset.questions;
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id}×${n}`);
  for (const line of log) console.log(`[cli-kill] ${line}`);
  console.log(
    `[cli-kill] seed ${seed}: ${kills} SIGKILLs, ${spawns - 1} restarts (${manifest.resumedAt?.length ?? 0} recorded resumes), ` +
      `${ids.length} answer lines for ${total} questions, duplicates ${duplicated.length}, torn tails seen ${tornSeen}, ` +
      `median spawn→first answer ${percentile(startupSamples, 50).toFixed(0)} ms, total ${(totalMs / 1000).toFixed(1)} s`,
  );
  assert.equal(kills, KILLS, `the run finished after only ${kills} kills`);
  assert.equal(manifest.status, 'completed');
  assert.deepEqual(duplicated, [], 'each question exactly once');
  assert.equal(counts.size, total, 'every question answered');
  assert.equal(records.filter((r) => r.error !== undefined).length, 0, 'no error records');
  assert.ok(existsSync(join(out, 'summary.json')));
});
