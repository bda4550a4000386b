// Generated passwords go to --passwords-file (0600), the only place their plaintext is kept.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Output } from '../cli/output.ts';
import type { SeedConfig } from './command.ts';
import type { GeneratedPassword } from './transaction.ts';

export function savePasswords(cfg: SeedConfig, out: Output, passwords: GeneratedPassword[]): void {
  if (!passwords.length) return;
  mkdirSync(dirname(cfg.passwordsFile), { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString();
  appendFileSync(
    cfg.passwordsFile,
    passwords.map((p) => `${stamp} ${cfg.namespace}/${cfg.release} ${p.who} ${p.password}\n`).join(''),
    { mode: 0o600 },
  );
  if (cfg.showSecrets) for (const p of passwords) out.line(`${p.who}: ${p.password}`);
}
