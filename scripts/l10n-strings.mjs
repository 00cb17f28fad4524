// Lists the messages passed to vscode.l10n.t(...) in the extension's sources (string literals only),
// so the Japanese catalogue can be checked against them. Usage: node scripts/l10n-strings.mjs
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function collectL10nMessages(root = 'src/extension') {
  const messages = new Set();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) {
        const text = readFileSync(full, 'utf8');
        for (const match of text.matchAll(/(?:l10n\.t|\bt)\(\s*'((?:[^'\\]|\\.)*)'/g)) messages.add(match[1].replace(/\\'/g, "'"));
      }
    }
  };
  walk(root);
  return [...messages].sort();
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(collectL10nMessages(), null, 2));
