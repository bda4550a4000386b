// backup (the default action): one pg_dump -Fc under the maintenance lock, kept only when verified.
import { usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { execTarget } from '../target/exec-target.ts';
import { lockReadyPod } from '../target/maintenance-lock.ts';
import { BACKUP_CMD, type BackupConfig, type FlagGiven, mib, seconds } from './command.ts';
import { defaultBackupPath } from '../archive/backup-files.ts';
import { takeBackup } from '../archive/take-backup.ts';

export async function backupAction(cfg: BackupConfig, out: Output, given: FlagGiven): Promise<ExitCodeValue> {
  if (given('keep')) throw usageError('--keep goes with list', `${BACKUP_CMD} list --keep ${cfg.keep}`);
  if (given('skipSafetyBackup'))
    throw usageError('--skip-safety-backup goes with restore', `${BACKUP_CMD} restore FILE --skip-safety-backup`);
  const started = performance.now();
  const t = execTarget(cfg, 'backup');
  const lock = await lockReadyPod(cfg, t, { job: 'backup' });
  try {
    const file =
      cfg.out ?? defaultBackupPath(cfg.dir, t.kind === 'pod' ? cfg.release : 'local', lock.database, new Date());
    if (cfg.dryRun) {
      out.result({ ok: true, status: 'dry-run', file, database: lock.database });
      out.verdict(true, `dry run: would back up ${lock.database} from ${t.where} to ${file}; nothing changed`);
      return ExitCode.ok;
    }
    out.progress(`pg_dump -Fc of ${lock.database} from ${t.where} → ${file}`);
    const m = await takeBackup(t, lock, file, cfg.release);
    out.result({ ok: true, status: 'backed-up', ...m, durationMs: Math.round(performance.now() - started) });
    out.line(
      `backup: ${file} (${mib(m.sizeBytes)}, sha256 ${m.sha256.slice(0, 12)}…, schema ` +
        `${m.schemaVersion ?? 'none'}, ${seconds(started)})`,
    );
    out.verdict(true, 'verified by a full read (pg_restore); manifest beside it');
    return ExitCode.ok;
  } finally {
    await lock.release();
  }
}
