// backup (the default action): one pg_dump -Fc under the maintenance lock, kept only when verified.
import { usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { execTarget } from '../target/exec-target.ts';
import { lockReadyPod } from '../target/maintenance-lock.ts';
import { BACKUP_CMD, type BackupConfig, type FlagGiven, mib, seconds } from './command.ts';
import { defaultBackupPath } from '../archive/backup-files.ts';
import { takeBackup } from '../archive/take-backup.ts';
import { reportVerified, verifyHeld } from './verify.ts';

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
      const then = cfg.verify ? ', then restore it into a scratch database and count it' : '';
      out.verdict(true, `dry run: would back up ${lock.database} from ${t.where} to ${file}${then}; nothing changed`);
      return ExitCode.ok;
    }
    out.progress(`pg_dump -Fc of ${lock.database} from ${t.where} → ${file}`);
    const m = await takeBackup(t, lock, file, cfg.release);
    out.line(
      `backup: ${file} (${mib(m.sizeBytes)}, sha256 ${m.sha256.slice(0, 12)}…, schema ` +
        `${m.schemaVersion ?? 'none'}, ${seconds(started)})`,
    );
    // Still under the lock: the drill restores exactly what was just written.
    const verified = cfg.verify ? await verifyHeld(t, lock, file, out, m.databaseBytes) : undefined;
    const durationMs = Math.round(performance.now() - started);
    out.result({ ok: true, status: 'backed-up', ...m, durationMs, ...(verified ? { verified } : {}) });
    if (verified) reportVerified(out, file, m, verified, started);
    else out.verdict(true, 'verified by a full read (pg_restore); manifest beside it');
    return ExitCode.ok;
  } finally {
    await lock.release();
  }
}
