// API keys: checked when stored and when read (SecretStorage, environment), and removed from any
// text before it is shown or logged. Used by the extension, the server and the CLI alike, so it
// imports nothing but the (browser-safe) message catalogue.
import { msg, type Message } from './messages/index';

/** A key longer than this is a paste gone wrong (a whole file, a log), not a key. */
export const MAX_API_KEY_LENGTH = 4096;

export type ApiKeyProblem = 'tooLong' | 'whitespace' | 'control' | 'notAscii';
export type ApiKeyCheck = { ok: true; key: string } | { ok: false; problem: ApiKeyProblem; reason: Message };

/**
 * Trims surrounding whitespace (a paste often brings a trailing space or newline) and checks what
 * is left: printable ASCII without spaces (an HTTP header value cannot carry more), a sane length.
 * An empty result means "no key". The reason never quotes the key.
 */
export function checkApiKey(raw: string): ApiKeyCheck {
  const key = raw.trim();
  if (key.length > MAX_API_KEY_LENGTH) return { ok: false, problem: 'tooLong', reason: msg('apiKeyTooLong', MAX_API_KEY_LENGTH) };
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) return { ok: false, problem: 'whitespace', reason: msg('apiKeyInnerSpace') };
    if (code < 0x20 || code === 0x7f) return { ok: false, problem: 'control', reason: msg('apiKeyControl') };
    if (code > 0x7e) return { ok: false, problem: 'notAscii', reason: msg('apiKeyNotAscii') };
  }
  return { ok: true, key };
}

const MASK = '***';

/**
 * Replaces every secret, as given and trimmed, in `text`. Empty and very short values are left
 * alone (masking "a" would mangle every message without protecting anything).
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of [secret, secret.trim(), JSON.stringify(secret).slice(1, -1)]) if (form.length >= 4) forms.add(form);
  }
  // Longest first, so a key is not left half-masked by its own trimmed form.
  let result = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) result = result.split(form).join(MASK);
  return result;
}

/** Field names whose values are secrets wherever they appear (protocol traces, JSON dumps). */
const SECRET_FIELD = /"([A-Za-z0-9_$-]*(?:api[-_]?key|apikey|token|secret|password|passwd|authorization)[A-Za-z0-9_$-]*)"(\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/**
 * For protocol traces: masks the string value of every JSON field named like a key, token, secret,
 * password or authorization (case-insensitive), then every known secret wherever it is.
 */
export function redactTrace(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  return redactSecrets(text.replace(SECRET_FIELD, (_match, name: string, colon: string) => `"${name}"${colon}"${MASK}"`), secrets);
}
