// backup list [--keep N]: the backups in --dir, newest first, pruned to the N newest when asked.
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { type BackupConfig, mib } from './command.ts';
import { listBackups, pruneBackups } from './files.ts';

export function listAction(cfg: BackupConfig, out: Output): ExitCodeValue {
  const removed = cfg.keep !== undefined ? pruneBackups(cfg.dir, Math.max(0, cfg.keep)) : [];
  const backups = listBackups(cfg.dir);
  out.result({ ok: true, status: 'listed', dir: cfg.dir, backups, removed });
  // At most five lines: the three newest, a count of the rest (--json lists them all), the verdict.
  for (const b of backups.slice(0, 3))
    out.line(
      `${b.createdAt}  ${mib(b.sizeBytes).padStart(10)}  ${b.database}  schema ${b.schemaVersion ?? '-'}  ${b.path}`,
    );
  if (backups.length > 3) out.line(`… and ${backups.length - 3} older (--json lists them all)`);
  const pruned = removed.length
    ? `; removed ${removed.length} older than the ${cfg.keep} newest: ${removed.join(', ')}`
    : '';
  out.verdict(true, `${backups.length} backup(s) in ${cfg.dir}${pruned}`);
  return ExitCode.ok;
}
