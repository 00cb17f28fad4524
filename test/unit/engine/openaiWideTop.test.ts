// Letter scoring through a server that returns only the top 20 alternatives: a candidate outside
// them would count as probability 0 (what llama-server users saw: the top letter at 1, every
// other at 0). Against llama-server (recognised by owned_by "llamacpp") the engine asks again for
// enough alternatives, so every candidate gets its real log-probability, and matches candidates by
// token id (POST /tokenize): the tiny vocabulary, like real ones, has byte tokens whose text is a
// letter's ("<0x41>" reads "A"), and only the id says which one the letter is.
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
  const all = await distribution(plain); // the same model: the same distribution, in vLLM's shape
  assert.ok(all.length > 40, `${all.length} alternatives`);
  const [best, far] = [all[0] as [string, number], all[40] as [string, number]];
  const wide = await (await OpenAiEngine.connect({ baseUrl: llamacpp.baseUrl })).scoreNextTokens(PROMPT, [best[0], far[0]]);
  assert.ok(Math.abs((wide[0]?.logProb ?? NaN) - best[1]) < 1e-6, JSON.stringify(wide));
  assert.ok(Math.abs((wide[1]?.logProb ?? NaN) - far[1]) < 1e-6, `${JSON.stringify(wide)} vs ${far[1]}`);
  // A server not known to allow more than 20 is asked for 20 only: the far candidate stays unknown.
  const capped = await (await OpenAiEngine.connect({ baseUrl: plain.baseUrl })).scoreNextTokens(PROMPT, [best[0], far[0]]);
  assert.equal(capped[1]?.logProb, -Infinity);
});

test('llama-server: a letter is matched by its token id, not by a byte token with the same text (same log-probability as local scoring)', async () => {
  const engine = await OpenAiEngine.connect({ baseUrl: llamacpp.baseUrl });
  const letters = ['A', 'B', 'C', 'D', 'E', 'a', 'b', 'c', 'd', 'e', ' A', ' B'];
  const scored = await engine.scoreNextTokens(PROMPT, letters);
  // The whole distribution with ids, as llama-server's /v1/completions sends it (chat shape).
  const response = await fetch(`${llamacpp.baseUrl}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: PROMPT, max_tokens: 1, temperature: 0, logprobs: 100_000 }),
  });
  const json = (await response.json()) as { choices: Array<{ logprobs: { content: Array<{ top_logprobs: Array<{ id: number; token: string; logprob: number }> }> } }> };
  const all = json.choices[0]?.logprobs.content[0]?.top_logprobs ?? [];
  assert.ok(all.length > 1000, `${all.length} alternatives`);
  const origin = new URL(llamacpp.baseUrl).origin;
  let byteTwinLikelier = 0;
  for (const [i, letter] of letters.entries()) {
    const tokenize = await fetch(`${origin}/tokenize`, { method: 'POST', body: JSON.stringify({ content: letter, add_special: false, parse_special: false }) });
    const ids = ((await tokenize.json()) as { tokens: number[] }).tokens;
    assert.equal(ids.length, 1, letter);
    const own = all.find((t) => t.id === ids[0])?.logprob ?? NaN;
    assert.ok(Math.abs((scored[i]?.logProb ?? NaN) - own) < 1e-6, `${JSON.stringify(letter)}: ${scored[i]?.logProb} vs ${own}`);
    // What matching by text would have taken: the likeliest token with this text.
    const byText = Math.max(...all.filter((t) => t.token === letter).map((t) => t.logprob));
    if (byText > own + 1e-6) byteTwinLikelier++;
  }
  // Otherwise the test would prove nothing: some letter's byte twin is likelier than the letter.
  assert.ok(byteTwinLikelier > 0, 'no letter has a likelier byte token with the same text');
});
