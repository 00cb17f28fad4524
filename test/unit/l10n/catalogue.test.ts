// Every user-visible string has an English source and a Japanese translation, and no translation
// is left over: the manifest's %keys% (package.nls*.json) and the extension's vscode.l10n.t
// messages (l10n/bundle.l10n.ja.json).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const readJson = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, string>;

function manifestKeys(): Set<string> {
  const text = readFileSync(join(root, 'package.json'), 'utf8');
  return new Set([...text.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1] as string));
}

test('package.nls.json and package.nls.ja.json have the same keys, each used by the manifest', () => {
  const en = readJson('package.nls.json');
  const ja = readJson('package.nls.ja.json');
  const used = manifestKeys();
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  assert.deepEqual([...used].filter((k) => !(k in en)), [], 'keys the manifest uses but package.nls.json lacks');
  assert.deepEqual(Object.keys(en).filter((k) => !used.has(k)), [], 'unused keys in package.nls.json');
  for (const [key, value] of Object.entries(ja)) assert.ok(value.trim() && value !== en[key], `${key} is not translated`);
});

test('every vscode.l10n.t message has a Japanese translation and none is unused', async () => {
  const { collectL10nMessages } = (await import(join(root, 'scripts', 'l10n-strings.mjs'))) as { collectL10nMessages(rootDir: string): string[] };
  const messages = collectL10nMessages(join(root, 'src', 'extension'));
  assert.ok(messages.length > 30, `only ${messages.length} messages found: is the extractor broken?`);
  const ja = readJson('l10n/bundle.l10n.ja.json');
  assert.deepEqual(messages.filter((m) => !(m in ja)), [], 'messages without a Japanese translation');
  assert.deepEqual(Object.keys(ja).filter((k) => !messages.includes(k)), [], 'translations of messages the code no longer uses');
  for (const [message, translation] of Object.entries(ja)) {
    const placeholders = (s: string) => [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort().join();
    assert.equal(placeholders(translation), placeholders(message), `placeholders differ in ${message}`);
  }
});

// ---------------------------------------------------------------------------------------------
// The message catalogue of the server, the evaluation core and the CLI (src/shared/messages).

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
/** Four English words in a row: a sentence (or most of one) left untranslated. */
const ENGLISH_RUN = /[A-Za-z]+(?:[ ,]+[A-Za-z]+){3,}/;
/** Keys whose text is a pure layout of their arguments, the same in every language (with why). */
const LANGUAGE_NEUTRAL: Record<string, string> = {
  plainText: 'a text the code did not write (a library or server error), shown as it is',
  atFileLine: '`file:line: reason`: the reason is a message of its own, translated on its own',
  listOf: 'a list of messages: only the separator differs (、)',
  issueListOf: 'a list of `file:line: reason` issues: only the separator differs (；)',
  doctorTypeReason: '`cuda: reason`: a GPU type and a reason that is a message of its own',
  gpuLibsMetal: 'a product name (Apple Metal)',
  sentence: 'a message as a sentence: only the full stop differs (。)',
  atPlace: '`where: reason` (a file:line or a dataset): the reason is a message of its own',
  recBoth: 'two sentences in a row: only the space between them differs (none after 。)',
};

const placeholders = (text: string) => [...text.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort().join();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('the catalogue: every key in English and Japanese, the same placeholders, none empty', async () => {
  const { en, ja } = await import('../../../src/shared/messages/index');
  assert.ok(Object.keys(en).length > 200, `only ${Object.keys(en).length} keys`);
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  for (const [key, english] of Object.entries(en)) {
    const japanese = (ja as Record<string, string>)[key] ?? '';
    assert.ok(english.trim() !== '' && japanese.trim() !== '', `${key} is empty`);
    assert.equal(placeholders(japanese), placeholders(english), `placeholders differ in ${key}`);
    // {0}..{n-1}, each once in English: the compiler counts a message's arguments from them.
    const indices = [...english.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1]));
    assert.deepEqual([...indices].sort((a, b) => a - b), indices.map((_, i) => i), `${key}: placeholders must be {0}..{n-1}, each once`);
  }
});

test('the catalogue: every key is used by the code', async () => {
  const { en } = await import('../../../src/shared/messages/index');
  const messagesDir = join(root, 'src', 'shared', 'messages');
  const code = sourceFiles(join(root, 'src')).filter((file) => !file.startsWith(messagesDir)).map((file) => readFileSync(file, 'utf8')).join('\n');
  const unused = Object.keys(en).filter((key) => !code.includes(`'${key}'`));
  assert.deepEqual(unused, [], 'keys no code uses');
});

test('every key rendered in Japanese (placeholder arguments) is Japanese and differs from the English', async () => {
  const { en, format } = await import('../../../src/shared/messages/index');
  for (const key of Object.keys(en) as Array<keyof typeof en>) {
    if (key in LANGUAGE_NEUTRAL) continue;
    const args = [...en[key].matchAll(/\{(\d+)\}/g)].map((m) => `«${m[1]}»`);
    const english = format('en', { key, args });
    const japanese = format('ja', { key, args });
    assert.notEqual(japanese, english, `${key} is not translated`);
    assert.match(japanese, JAPANESE, `${key} is not Japanese: ${japanese}`);
    for (const arg of args) assert.ok(japanese.includes(arg), `${key} loses ${arg}: ${japanese}`);
    // Code, paths, flags and product names stay as they are; no English sentence is left.
    const prose = japanese.replace(/`[^`]*`|«\d+»|medlocal bench(?: [\w./"-]+)*|--[a-z-]+(?: [A-Z_.]+)?|\b(?:MedLocal|OpenAI|MedQA|MedMCQA|JMedBench|IgakuQA\/harness)\b/g, ' ');
    assert.doesNotMatch(prose, ENGLISH_RUN, `English left in ${key}: ${japanese}`);
  }
});

/**
 * User-visible text in the server, the CLI and the core comes from the catalogue: no error is built
 * from a string literal there. Internal invariants that never reach a user are listed with a reason.
 */
const LITERAL_ALLOWED: Array<[file: string, pattern: RegExp, why: string]> = [
  ['src/eval/question.ts', /new RangeError\(`no letter for choice index/, 'a programming error (an index past z), never a user input'],
  ['src/terms/loaders.ts', /new Error\('not a file'\), \{ code: 'EISDIR' \}/, 'an internal signal: its code EISDIR becomes the catalogue message dictIsDirectory'],
  ['src/cli/main.ts', /io\.err\(`medlocal: \$\{describeError\(error, locale\)\}/, 'the program name before every CLI error (POSIX style); the text after it comes from the catalogue'],
  ['src/cli/main.ts', /io\.err\(`medlocal: \$\{format\(io\.locale, message\)\}/, 'the program name before a CLI warning (POSIX style); the message after it comes from the catalogue'],
  ['src/eval/runFileAccess.ts', /Object\.assign\(new Error\('no space left on device'\), \{ code: 'ENOSPC' \}\)/, 'an internal signal: its code ENOSPC becomes the catalogue message writeDiskFull'],
  ['src/engine/ggufReader.ts', /new Error\(`not a fixed-size GGUF type/, 'a programming error (a caller passed a variable-size type), never a file input'],
  ['src/engine/models/doctor.ts', /\{ error: 'not tried' \}/, "the GPU doctor's findings are diagnostics text, English by design (pasted into bug reports)"],
];
const LITERAL_MESSAGE = [
  /new [A-Za-z]*Error\(\s*['"`]/, // new Error('…'), new RangeError(`…`)
  /new [A-Za-z]*Error\([^)]*[^?)]\?\s*['"`][A-Za-z]/, // new Error(cond ? '…' : …)
  /io\.err\(\s*['"`][A-Za-z]/, // io.err('cancelled after…')
  /show(?:Warning|Error|Information)Message\(\s*['"`]/,
  /sendNotification\([^)]*\b(?:message|error|reason|problem): ['"`][A-Za-z]/,
  /\b(?:reason|problem|error): ['"`][A-Za-z][^'"`]*\s[^'"`]*['"`]/, // { reason: 'unclosed quote' } in a result (a sentence, not a code like 'composing')
];

test('user-visible messages in src/server, src/cli, src/eval, src/engine and src/terms come from catalogue keys', () => {
  const found: string[] = [];
  for (const layer of ['server', 'cli', 'eval', 'engine', 'terms']) {
    for (const file of sourceFiles(join(root, 'src', layer))) {
      const relative = file.slice(root.length + 1).split('\\').join('/');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (/^\s*(\/\/|\*)/.test(line)) return;
        // A call split over lines (`new Error(` then the literal on the next line) is read as one.
        const joined = /\(\s*$/.test(line) ? `${line.trimEnd()}${(lines[index + 1] ?? '').trim()}` : line;
        if (!LITERAL_MESSAGE.some((pattern) => pattern.test(joined))) return;
        if (LITERAL_ALLOWED.some(([allowedFile, pattern]) => allowedFile === relative && pattern.test(joined))) return;
        found.push(`${relative}:${index + 1}: ${joined.trim()}`);
      });
    }
  }
  assert.deepEqual(found, [], 'messages written as literals instead of catalogue keys');
});

test('the guard itself catches the kinds of literal message it is meant to', () => {
  for (const line of [
    "throw new Error('The model failed.');",
    'throw new UsageError(`--model ${model}: no such file`);',
    "io.err('cancelled after 3 questions');",
    "return { ok: false, reason: 'unclosed quote' };",
    "throw new Error(empty ? 'the file is empty' : detail);",
    "throw new Error(`The inference engine could not be loaded: ${text}. ` +",
    "connection.window.showWarningMessage('MedLocal: bad setting');",
  ]) {
    assert.ok(LITERAL_MESSAGE.some((pattern) => pattern.test(line)), line);
  }
  for (const line of ["throw new UserError(msg('modelFileMissing', path));", "return { text: '', reason: 'composing' };", "throw new UsageError(msg('cliUnexpectedArgument', positionals[1] ?? ''));", "io.err(`${format(locale, msg('cliCancelled', n, command))}\\n`);"]) {
    assert.ok(!LITERAL_MESSAGE.some((pattern) => pattern.test(line)), line);
  }
});
