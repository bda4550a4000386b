// The commands we suggest (fixes, undo lines) must run as they are printed. A flag such as
// --target local or --release ldb does not survive into the next command, so it is carried as an
// environment prefix on every `npm run -s db:…` we print: PG_RELEASE=ldb npm run -s db:migrate.

import { shWord } from './sh-quote.ts';

let prefix = '';

/** Variables every suggested command needs; empty clears. Values are plain words (checked by the caller). */
export function setCommandEnv(vars: Record<string, string>): void {
  prefix = Object.entries(vars)
    .map(([k, v]) => `${k}=${shWord(v)} `)
    .join('');
}

const CARRIED_VARS = 'DB_TARGET|DB_LOCAL_DIR|PG_NAMESPACE|PG_RELEASE|KUBE_CONTEXT|PG_MIGRATIONS_DIR';
const CARRIED = new RegExp(`(?:(?:${CARRIED_VARS})=(?:'[^']*'|\\S+) )*npm run -s db:`, 'g');

/** Idempotent: text from a child step that already carries a prefix keeps one. */
export function withCommandEnv(text: string): string {
  if (!prefix) return text;
  return text.replace(CARRIED, `${prefix}npm run -s db:`);
}
