// The commands we suggest (fixes, undo lines) must run as they are printed. A flag such as
// --target local or --release ldb does not survive into the next command, so it is carried as an
// environment prefix on every `npm run -s db:…` we print: PG_RELEASE=ldb npm run -s db:migrate.

import { shWord } from './sh-quote.ts';

let prefix = '';
let backupPrefix = '';

const words = (vars: Record<string, string>) =>
  Object.entries(vars)
    .map(([k, v]) => `${k}=${shWord(v)} `)
    .join('');

/**
 * Variables every suggested command needs, and those only a db:backup command needs (its --dir);
 * empty clears. Values are plain words (checked by the caller).
 */
export function setCommandEnv(vars: Record<string, string>, backupVars: Record<string, string> = {}): void {
  prefix = words(vars);
  backupPrefix = words(backupVars);
}

const CARRIED_VARS = 'DB_TARGET|DB_LOCAL_DIR|PG_NAMESPACE|PG_RELEASE|KUBE_CONTEXT|PG_MIGRATIONS_DIR|PG_BACKUP_DIR';
const CARRIED = new RegExp(`(?:(?:${CARRIED_VARS})=(?:'[^']*'|\\S+) )*npm run -s db:(backup\\b)?`, 'g');

/** Idempotent: text from a child step that already carries a prefix keeps one. */
export function withCommandEnv(text: string): string {
  if (!prefix && !backupPrefix) return text;
  return text.replace(CARRIED, (_all, backup: string | undefined) =>
    backup ? `${prefix}${backupPrefix}npm run -s db:backup` : `${prefix}npm run -s db:`,
  );
}
