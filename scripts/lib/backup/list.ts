// backup list [--keep N]: the backups in --dir, newest first, pruned to the N newest when asked.
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { usageError } from '../cli/errors.ts';
import { BACKUP_CMD, type BackupConfig, mib } from './command.ts';
import { listBackups, pruneBackups } from '../archive/backup-files.ts';

export function listAction(cfg: BackupConfig, out: Output, keepSource: string): ExitCodeValue {
  if (cfg.keep !== undefined && cfg.keep < 1) {
    // A keep of 0 or less would delete every backup: refused, whichever way it was set.
    const name = keepSource === 'flag' ? '--keep' : 'PG_BACKUP_KEEP';
    throw usageError(`${name} must be 1 or more, not ${cfg.keep}`, `${BACKUP_CMD} list --keep 7`);
  }
  // Only this release's backups (release and namespace from the manifests; the local target's have none).
  const mine = cfg.target === 'local' ? { release: null, namespace: null } : cfg;
  const removed = cfg.keep !== undefined ? pruneBackups(cfg.dir, cfg.keep, mine, { dryRun: cfg.dryRun }) : [];
  const backups = listBackups(cfg.dir);
  out.result({ ok: true, status: cfg.dryRun ? 'dry-run' : 'listed', dir: cfg.dir, backups, removed });
  // At most five lines: the three newest, a count of the rest (--json lists them all), the verdict.
  for (const b of backups.slice(0, 3))
    out.line(
      `${b.createdAt}  ${mib(b.sizeBytes).padStart(10)}  ${b.database}  schema ${b.schemaVersion ?? '-'}  ${b.path}`,
    );
  if (backups.length > 3) out.line(`… and ${backups.length - 3} older (--json lists them all)`);
  const verb = cfg.dryRun ? 'would remove' : 'removed';
  const pruned = removed.length
    ? `; ${verb} ${removed.length} older than the ${cfg.keep} newest: ${removed.join(', ')}`
    : '';
  const dry = cfg.dryRun ? 'dry run: ' : '';
  out.verdict(true, `${dry}${backups.length} backup(s) in ${cfg.dir}${pruned}${cfg.dryRun ? '; nothing changed' : ''}`);
  return ExitCode.ok;
}
