import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { logProbsFromLogits } from '../../../src/engine/llamaEngine';
import { answerQuestion } from '../../../src/server/features/ask';
import { scoreChoices } from '../../../src/server/features/scoreChoices';
import type { GenerateOptions, InferenceEngine, Prompt } from '../../../src/engine/types';
import { detectLanguage, withoutFinalStop } from '../../../src/shared/language';
import { AskRequest, logProbToProbability, ScoreChoicesRequest, StatusNotification } from '../../../src/protocol/protocol';
import { describeStatus } from '../../../src/extension/statusView';

const identity = (message: string, ...args: Array<string | number>) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));

test('message methods are the documented ones', () => {
  assert.equal(StatusNotification.method, 'medlocal/status');
  assert.equal(AskRequest.method, 'medlocal/ask');
  assert.equal(ScoreChoicesRequest.method, 'medlocal/scoreChoices');
});

test('log-probabilities from filtered logits equal a full softmax', () => {
  const logits = [2.0, 1.0, 0.5, -1.0, 3.0];
  const max = Math.max(...logits);
  const total = logits.reduce((sum, l) => sum + Math.exp(l - max), 0);
  // The engine sees only the wanted tokens plus the top one, and the total weight.
  const t = (id: number) => id as Token;
  const filtered = new Map<Token, number>([[t(0), 2.0], [t(2), 0.5], [t(4), 3.0]]);
  const result = logProbsFromLogits(filtered, total, [t(0), t(2), t(3)]);
  const softmax = (i: number) => Math.exp((logits[i] ?? 0) - max) / total;
  assert.ok(Math.abs(Math.exp(result.get(t(0)) ?? NaN) - softmax(0)) < 1e-12);
  assert.ok(Math.abs(Math.exp(result.get(t(2)) ?? NaN) - softmax(2)) < 1e-12);
  assert.equal(result.get(t(3)), -Infinity, 'a token the engine did not return has probability 0');
  assert.equal(logProbToProbability(-Infinity), 0);
});

class FakeEngine implements InferenceEngine {
  prompts: Prompt[] = [];
  async scoreNextTokens(prompt: Prompt, candidates: string[]) {
    this.prompts.push(prompt);
    return candidates.map((candidate, i) => ({ candidate, logProb: Math.log(0.1 * (i + 1)) }));
  }
  async scoreContinuations() {
    return [];
  }
  async generate(prompt: Prompt, options: GenerateOptions) {
    this.prompts.push(prompt);
    for (const piece of ['Hb', 'A1c ', 'is']) options.onTextChunk?.(piece);
    return { text: 'HbA1c is', tokens: 3, stopReason: 'maxTokens' as const };
  }
}

test('the ask provider picks the language, bounds tokens and streams through', async () => {
  const engine = new FakeEngine();
  const chunks: string[] = [];
  const result = await answerQuestion(engine, { question: '  HbA1cの基準値は？ ', maxTokens: 99999 }, { onText: (t) => chunks.push(t) });
  assert.deepEqual(chunks, ['Hb', 'A1c ', 'is']);
  assert.equal(result.language, 'ja');
  assert.equal(result.stopReason, 'maxTokens');
  const prompt = engine.prompts[0];
  assert.ok(prompt && typeof prompt !== 'string');
  assert.equal(prompt.user, 'HbA1cの基準値は？');
  assert.match(prompt.system ?? '', /日本語/);
  await assert.rejects(answerQuestion(engine, { question: '   ' }, {}), /question is empty/);
  const english = await answerQuestion(engine, { question: 'HbA1cの基準値は？', language: 'en' }, {});
  assert.equal(english.language, 'en');
});

test('scoreChoices turns log-probabilities into probabilities and rejects empty input', async () => {
  const result = await scoreChoices(new FakeEngine(), { prompt: 'Q', candidates: ['A', 'B'] });
  assert.deepEqual(result.scores.map((s) => Number(s.probability.toFixed(6))), [0.1, 0.2]);
  await assert.rejects(scoreChoices(new FakeEngine(), { prompt: '', candidates: ['A'] }), /non-empty prompt/);
  await assert.rejects(scoreChoices(new FakeEngine(), { prompt: 'Q', candidates: [] }), /at least one candidate/);
});

test('language detection by script', () => {
  assert.equal(detectLanguage('急性膵炎の重症度判定は？'), 'ja');
  assert.equal(detectLanguage('What is the Ranson score?'), 'en');
  assert.equal(detectLanguage('CRPとWBCの推移は？'), 'ja');
  assert.equal(detectLanguage('ＣＲＰ ｈｉｇｈ?'), 'en');
  assert.equal(detectLanguage('ｶﾞｽﾄﾛの予約は？'), 'ja');
  assert.equal(detectLanguage('Is the patient on DOAC (ワーファリン以外) for atrial fibrillation?'), 'en');
});

test('the status item says what state the model is in, with the reason on error', () => {
  assert.match(describeStatus(undefined, 'starting', identity).text, /starting/);
  assert.match(describeStatus({ state: 'noModel', hint: 'Set medlocal.model.path' }, 'running', identity).tooltip, /medlocal\.model\.path/);
  assert.match(describeStatus({ state: 'loading', progress: 0.424 }, 'running', identity).text, /loading 42%/);
  const ready = describeStatus(
    { state: 'ready', backend: 'cuda', gpuLayers: 33, model: { name: 'Qwen2.5-7B', path: '/m', sizeBytes: 4.7 * 1024 ** 3, architecture: 'qwen2', quantization: 'Q4_K_M', contextSize: 4096, fingerprint: 'f' } },
    'running',
    identity,
  );
  assert.match(ready.text, /Qwen2\.5-7B \(cuda\)/);
  assert.match(ready.tooltip, /GPU layers: 33/);
  assert.match(ready.tooltip, /4\.7 GB/);
  const error = describeStatus({ state: 'error', message: 'The model file /x.gguf does not exist.', hint: 'Set medlocal.model.path' }, 'running', identity);
  assert.equal(error.severity, 'error');
  assert.match(error.tooltip, /\/x\.gguf does not exist[\s\S]*medlocal\.model\.path/);
  assert.equal(describeStatus(undefined, 'stopped', identity).severity, 'error');
});

test('server messages render from the catalogue in the locale asked for, English otherwise', async () => {
  const { format, msg, toLocale } = await import('../../../src/shared/messages/index');
  const truncated = msg('modelTruncatedAtStart', '/m/q.gguf', 100, 2000);
  assert.equal(format('ja', truncated), 'モデルファイル /m/q.gguf は途中で切れています（100 バイトですが、テンソルデータは 2000 バイト目から始まります）。');
  assert.equal(format('en', truncated), 'The model file /m/q.gguf is truncated (100 bytes, but tensor data starts at byte 2000).');
  assert.equal(format(toLocale('ja-JP'), msg('backendFallback', 'cuda', 'NoBinaryFoundError')), 'cuda バックエンドを起動できませんでした（NoBinaryFoundError）。代わりに CPU を使います。');
  assert.equal(format(toLocale('en-US'), msg('modelNotConfigured')), 'No model is configured.');
  assert.equal(toLocale(undefined), 'en');
  // A message inside another loses its closing 。 in Japanese.
  assert.equal(format('ja', msg('downloadCorrupt', 'hf:x', 'm.gguf', msg('fileIsEmpty'))), 'hf:x のダウンロードが不完全か、破損しています（m.gguf: ファイルが空です）。モデルとしては何も保存していません。');
});

test('hover Markdown escapes markup in dictionary text but keeps ordinary punctuation', async () => {
  const { escapeMarkdown } = await import('../../../src/server/features/hoverContent');
  assert.equal(escapeMarkdown('C-reactive protein 2.5 mg/dL'), 'C-reactive protein 2.5 mg/dL');
  assert.equal(escapeMarkdown('*bold* [link](command:x) <b>'), '\\*bold\\* \\[link\\](command:x) \\<b\\>');
  assert.equal(escapeMarkdown('# heading'), '\\# heading');
  assert.equal(escapeMarkdown('- item'), '\\- item');
});

test('the ask provider sends the note context, bounded by the model tokenizer', async () => {
  const engine = Object.assign(new FakeEngine(), { countTokens: (text: string) => Math.ceil(text.length / 2) });
  const context = Array.from({ length: 2000 }, (_, i) => `経過 ${i}: 安定`).join('\n');
  await answerQuestion(engine, { question: '次の検査は？', context }, {});
  const prompt = engine.prompts[0];
  assert.ok(prompt && typeof prompt !== 'string');
  assert.match(prompt.user, /^診療記録（参考）:\n/);
  assert.match(prompt.user, /経過 1999: 安定\n\n質問: 次の検査は？$/);
  assert.ok(!prompt.user.includes('経過 0: 安定'), 'the oldest lines were dropped');
  assert.ok(engine.countTokens(prompt.user) <= 1024 + 40);
});

test('a server message put into a sentence loses its own full stop, English or Japanese', () => {
  assert.equal(withoutFinalStop('The download failed: socket hang up.'), 'The download failed: socket hang up');
  assert.equal(withoutFinalStop('ダウンロードに失敗しました。もう一度ダウンロードしてください。'), 'ダウンロードに失敗しました。もう一度ダウンロードしてください');
  assert.equal(withoutFinalStop('HTTP 404 '), 'HTTP 404');
  assert.equal(withoutFinalStop('version 3.22.1'), 'version 3.22.1', 'only a closing stop goes');
});
