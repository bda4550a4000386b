// migrate accept VERSION: the database already matches an edited applied file; record its new checksum.
import { usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import type { MigrationFile } from '../schema/migration-files.ts';
import type { AppliedMigration } from '../schema/migration-plan.ts';
import { recordChecksums } from '../schema/migration-state.ts';
import type { PodSession } from '../target/pod-session.ts';
import { MIGRATE_CMD, type MigrateConfig } from './command.ts';

export async function acceptEdited(
  cfg: MigrateConfig,
  out: Output,
  session: PodSession,
  files: MigrationFile[],
  applied: AppliedMigration[],
  version: string,
): Promise<ExitCodeValue> {
  const f = files.find((x) => x.version === version);
  if (!f)
    throw usageError(`no migration file with version ${version} in ${cfg.migrationsDir}`, `${MIGRATE_CMD} status`);
  if (!applied.some((a) => a.version === version))
    throw usageError(`${f.path} is not applied yet: there is nothing to accept`, 'npm run -s db:migrate');
  if (cfg.dryRun) {
    out.result({ ok: true, status: 'dry-run', file: f.path, sha256: f.sha256 });
    out.verdict(true, `dry run: would accept ${f.path} as applied (sha256 ${f.sha256.slice(0, 12)}…); nothing changed`);
    return ExitCode.ok;
  }
  await recordChecksums(session, [f]);
  out.result({ ok: true, status: 'accepted', file: f.path, sha256: f.sha256 });
  out.verdict(true, `${f.path} accepted as applied (sha256 ${f.sha256.slice(0, 12)}…)`);
  return ExitCode.ok;
}
