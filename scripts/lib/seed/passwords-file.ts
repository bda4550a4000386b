// Generated passwords go to --passwords-file (0600), the only place their plaintext is kept. They are
// written and flushed BEFORE the seed commits: a password whose hash is committed but whose plaintext
// is not saved would be lost for good, so a failure here rolls the seed back.
import { chmodSync, closeSync, fstatSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toolError } from '../cli/errors.ts';
import type { Output } from '../cli/output.ts';
import type { SeedConfig } from './command.ts';
import type { GeneratedPassword } from './transaction.ts';

export function writePasswords(cfg: SeedConfig, out: Output, passwords: GeneratedPassword[]): void {
  if (!passwords.length) return;
  const file = cfg.passwordsFile;
  const stamp = new Date().toISOString();
  const text = passwords.map((p) => `${stamp} ${cfg.namespace}/${cfg.release} ${p.who} ${p.password}\n`).join('');
  let fd: number | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(file, 'a', 0o600);
    const mode = fstatSync(fd).mode & 0o777;
    if (mode & 0o077) {
      chmodSync(file, 0o600);
      out.progress(`${file} was readable by others (${mode.toString(8)}): tightened to 0600`);
    }
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    throw cannotSave(file, err as NodeJS.ErrnoException);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function cannotSave(file: string, err: NodeJS.ErrnoException) {
  const why = err.code === 'EISDIR' ? 'EISDIR: it is a directory' : (err.code ?? err.message);
  return toolError(
    `could not save the generated passwords to ${file} (${why}); nothing was seeded (the transaction rolled back)`,
    err.code === 'EISDIR'
      ? `npm run -s db:seed -- --passwords-file ${join(file, 'seed-passwords')}`
      : `make ${file} writable (its directory must exist and be yours), or pass --passwords-file another path`,
  );
}

/** With --show-secrets, after the commit: the passwords on stdout too. */
export function showPasswords(cfg: SeedConfig, out: Output, passwords: GeneratedPassword[]): void {
  if (cfg.showSecrets) for (const p of passwords) out.line(`${p.who}: ${p.password}`);
}
