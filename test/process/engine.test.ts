// MedLocal's engine primitives against node-llama-cpp computed directly, in child processes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';

const run = promisify(execFile);

interface Score {
  continuation: string;
  logProb: number;
  tokens: number;
}

test('continuation scores do not depend on order or on the KV cache, and match a direct computation', async () => {
  const model = await ensureTinyModel();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(__dirname, 'engineProbe.ts'), model], { timeout: 60000 });
  const facts = JSON.parse(stdout) as { forward: Score[]; backward: Score[]; alone: Score[]; letters: Array<{ logProb: number }>; lettersAgain: Array<{ logProb: number }> };
  const choices = facts.forward.map((s) => s.continuation);
  const direct = JSON.parse((await run(process.execPath, [join(__dirname, 'directContinuation.mjs'), model, '質問: 心筋梗塞で最初に上昇するのは？\n答え:', JSON.stringify(choices)], { timeout: 60000 })).stdout) as number[];
  const byName = (list: Score[], name: string) => list.find((s) => s.continuation === name)?.logProb ?? NaN;
  choices.forEach((choice, i) => {
    const expected = direct[i] ?? NaN;
    for (const [label, list] of [['forward', facts.forward], ['backward', facts.backward], ['alone', facts.alone]] as const) {
      const got = byName(list, choice);
      assert.ok(Math.abs(got - expected) < 1e-3, `${label} ${choice}: ${got} vs direct ${expected}`);
    }
  });
  assert.ok(facts.forward.every((s) => s.tokens >= 1));
  facts.letters.forEach((s, i) => assert.ok(Math.abs(s.logProb - (facts.lettersAgain[i]?.logProb ?? NaN)) < 1e-6, 'a cached prompt gives the same letter scores'));
});

test("the chat template is resolved while the model loads, not at the first chat prompt (it holds the engine's JavaScript thread for tenths of a second)", async () => {
  const model = await ensureTinyModel();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(__dirname, 'chatWrapperProbe.ts'), model], { timeout: 60000 });
  const facts = JSON.parse(stdout) as { afterLoad: number; afterAsk: number; tokens: number; log: string[] };
  assert.equal(facts.afterLoad, 1, 'resolveChatWrapper ran during LlamaEngine.load');
  assert.equal(facts.afterAsk, 1, 'the first chat prompt reused it');
  assert.ok(facts.tokens > 0, 'the chat prompt generated');
  const line = facts.log.find((l) => /chat template resolved in \d+ ms/.test(l));
  assert.ok(line, `the load log says how long it took: ${facts.log.join(' | ')}`);
  console.log(line);
});
