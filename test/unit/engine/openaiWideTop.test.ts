// Letter scoring through a server that returns only the top 20 alternatives: a candidate outside
// them would count as probability 0 (what llama-server users saw: the top letter at 1, every
// other at 0). Against llama-server (recognised by owned_by "llamacpp") the engine asks again for
// enough alternatives, so every candidate gets its real log-probability.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OpenAiEngine } from '../../../src/engine/openaiEngine';
import { ensureTinyModel } from '../../fixtures/gguf/tinyModel';
import { startFixtureServer, type FixtureServer } from '../../fixtures/openai/startServer';

const PROMPT = 'Question: pick one.\nA: x\nB: y\nAnswer:';
let plain: FixtureServer;
let llamacpp: FixtureServer;

before(async () => {
  const model = await ensureTinyModel();
  [plain, llamacpp] = await Promise.all([startFixtureServer({ model }), startFixtureServer({ model, llamacpp: true })]);
});
after(async () => {
  await Promise.all([plain?.stop(), llamacpp?.stop()]);
});

/** The whole next-token distribution, straight from the fixture (1000 ≥ the tiny vocabulary). */
async function distribution(server: FixtureServer): Promise<Array<[string, number]>> {
  const response = await fetch(`${server.baseUrl}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: PROMPT, max_tokens: 1, temperature: 0, logprobs: 1000 }),
  });
  const json = (await response.json()) as { choices: Array<{ logprobs: { top_logprobs: Array<Record<string, number>> } }> };
  return Object.entries(json.choices[0]?.logprobs.top_logprobs[0] ?? {}).sort((a, b) => b[1] - a[1]);
}

test('a candidate ranked below the top 20 gets its real log-probability from llama-server, not 0', async () => {
  const all = await distribution(llamacpp);
  assert.ok(all.length > 40, `${all.length} alternatives`);
  const [best, far] = [all[0] as [string, number], all[40] as [string, number]];
  const wide = await (await OpenAiEngine.connect({ baseUrl: llamacpp.baseUrl })).scoreNextTokens(PROMPT, [best[0], far[0]]);
  assert.ok(Math.abs((wide[0]?.logProb ?? NaN) - best[1]) < 1e-6, JSON.stringify(wide));
  assert.ok(Math.abs((wide[1]?.logProb ?? NaN) - far[1]) < 1e-6, `${JSON.stringify(wide)} vs ${far[1]}`);
  // A server not known to allow more than 20 is asked for 20 only: the far candidate stays unknown.
  const capped = await (await OpenAiEngine.connect({ baseUrl: plain.baseUrl })).scoreNextTokens(PROMPT, [best[0], far[0]]);
  assert.equal(capped[1]?.logProb, -Infinity);
});
