// The server killed mid-run: `medlocal bench` (the built CLI, dist/cli.js: `npm run build` first)
// through the OpenAI-compatible backend against a real llama-server, which is SIGKILLed after a
// few answers. The run must stop by itself with a message naming --resume, leave a run folder
// that reads back whole, and `--resume` against the restarted server (same address) must finish
// it losing nothing: every question answered once, the answers of the first part kept as written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { freePort, skipReason, startLlamaServer, type LlamaServer } from './llamaServer';

const skip = skipReason();
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const QUESTIONS = 16;
const KILL_AFTER = 4;

interface Answer { id: string; predicted: number[]; error?: string }

function answerLines(runDir: string): string[] {
  const file = join(runDir, 'answers.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
}

function bench(args: string[], onStarted?: (child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'bench', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    onStarted?.(child);
  });
}

async function waitUntil(what: string, probe: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('llama-server SIGKILLed mid-run: the run stops cleanly naming --resume, and --resume finishes it losing nothing', { skip, timeout: 300_000 }, async () => {
  const model = await ensureTinyModel();
  const port = await freePort();
  const runDir = join(mkdtempSync(join(tmpdir(), 'medlocal-realserver-kill-')), 'run');
  const common = ['--backend', 'openai', '--base-url', `http://127.0.0.1:${port}/v1`, '--parallel', '2', '--json'];
  let llama: LlamaServer | undefined = await startLlamaServer({ model, port, parallel: 2 });
  try {
    let killedAt = 0;
    const first = await bench(['--dataset', 'sample', '--limit', String(QUESTIONS), '--scoring', 'letter', '--out', runDir, ...common], () => {
      void waitUntil(`${KILL_AFTER} answers`, () => answerLines(runDir).length >= KILL_AFTER).then(() => {
        killedAt = answerLines(runDir).length;
        llama?.kill();
      });
    });
    console.log(`killed llama-server after ${killedAt} answers; medlocal bench exited ${first.code}; stderr:\n${first.stderr.trim()}`);
    assert.ok(killedAt >= KILL_AFTER && killedAt < QUESTIONS, `killed after ${killedAt} of ${QUESTIONS}: the run was not mid-way`);
    assert.notEqual(first.code, 0, 'a run that lost its server does not exit 0');
    assert.match(first.stderr, new RegExp(`--resume ${runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(first.stderr, /Cannot reach the OpenAI-compatible server/);
    assert.match(first.stderr, /check that it is running/);
    // The folder reads back: every line one whole record; the manifest says the run did not finish.
    const kept = answerLines(runDir).map((line) => JSON.parse(line) as Answer);
    const answeredBefore = kept.filter((a) => a.error === undefined);
    assert.ok(answeredBefore.length >= KILL_AFTER, `${answeredBefore.length} answers kept`);
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as { status: string };
    assert.notEqual(manifest.status, 'completed');
    assert.ok(!existsSync(join(runDir, 'summary.json')), 'no summary for an unfinished run');

    // Same address again, then resume.
    await llama.stop();
    llama = await startLlamaServer({ model, port, parallel: 2 });
    const second = await bench(['--resume', runDir, ...common]);
    assert.equal(second.code, 0, second.stderr);
    const result = JSON.parse(second.stdout) as { status: string; answered: number; summary: { total: number; errors: number } };
    assert.equal(result.status, 'completed');
    assert.equal(result.answered, QUESTIONS);
    assert.equal(result.summary.total, QUESTIONS);
    assert.equal(result.summary.errors, 0);
    // The latest record of each question: all answered, each question once.
    const latest = new Map<string, Answer>();
    for (const line of answerLines(runDir)) {
      const answer = JSON.parse(line) as Answer;
      latest.set(answer.id, answer);
    }
    assert.equal(latest.size, QUESTIONS);
    assert.ok([...latest.values()].every((a) => a.error === undefined));
    const answeredIds = answerLines(runDir).map((line) => JSON.parse(line) as Answer).filter((a) => a.error === undefined).map((a) => a.id);
    assert.equal(new Set(answeredIds).size, answeredIds.length, 'a question answered twice');
    // The first part's answers are kept as they were written.
    for (const before of answeredBefore) assert.deepEqual(latest.get(before.id), before);
    console.log(`resumed: ${QUESTIONS - answeredBefore.length} more answers, ${QUESTIONS} in all, ${kept.length - answeredBefore.length} error lines from the kill retried`);
  } finally {
    await llama?.stop();
  }
});
