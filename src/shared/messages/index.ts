// One typed catalogue of the messages the server, the evaluation core and the CLI show a user.
// A message is created where it arises as a key and its arguments (`msg('modelFileMissing', path)`)
// and rendered to text only at the edge, in the locale of whoever reads it: the server in the
// locale its client sent at initialize, the CLI in --lang or the environment's, run files and logs
// in English. Browser-safe: no Node built-ins.
import { en } from './en';
import { ja } from './ja';

export { en, ja };

export type MessageKey = keyof typeof en;
export type Locale = 'en' | 'ja';

/** A message's argument: a fact shown verbatim (a path, a count) or another message (a reason). */
export type MessageArg = string | number | Message;

export interface Message {
  key: MessageKey;
  args: MessageArg[];
}

/** One argument per placeholder {0}, {1}... of the English template: the compiler checks the count. */
type Indices = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
type PlaceholderArgs<S extends string, Left extends string[] = Indices, Found extends MessageArg[] = []> = Left extends [infer Next extends string, ...infer Rest extends string[]]
  ? S extends `${string}{${Next}}${string}`
    ? PlaceholderArgs<S, Rest, [...Found, MessageArg]>
    : Found
  : Found;
export type ArgsOf<K extends MessageKey> = PlaceholderArgs<(typeof en)[K]>;

export function msg<K extends MessageKey>(key: K, ...args: ArgsOf<K>): Message {
  return { key, args: args as MessageArg[] };
}

const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, ja };

/** 'ja', 'ja-JP', 'ja_JP.UTF-8' → ja; anything else (or nothing) → en. */
export function toLocale(value: unknown): Locale {
  return typeof value === 'string' && /^ja(?:$|[-_.@])/i.test(value.trim()) ? 'ja' : 'en';
}

export function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null) return false;
  const { key, args } = value as Partial<Message>;
  return typeof key === 'string' && Object.hasOwn(en, key) && Array.isArray(args) && args.every((arg) => typeof arg === 'string' || typeof arg === 'number' || isMessage(arg));
}

/** The text of a message in `locale`. An embedded message loses its closing 。 (it sits inside a sentence). */
export function format(locale: Locale, message: Message): string {
  const template = CATALOGUES[locale][message.key];
  return template.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const arg = message.args[Number(index)];
    if (arg === undefined) return whole;
    return typeof arg === 'object' ? format(locale, arg).replace(/。$/, '') : String(arg);
  });
}
