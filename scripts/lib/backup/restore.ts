// backup restore FILE: a checked backup back in one transaction, after a safety backup, under the lock.
import { confirmDestructive } from '../cli/confirm.ts';
import { notOkError, usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { onInterrupt } from '../cli/run-script.ts';
import { execTarget, storageFix } from '../target/exec-target.ts';
import { lockReadyPod, type HeldLock } from '../target/maintenance-lock.ts';
import type { PodSession } from '../target/pod-session.ts';
import { execErrorLine, type ExecTarget } from '../target/spawn.ts';
import { BACKUP_CMD, type BackupConfig, type FlagGiven, mib, seconds } from './command.ts';
import { checkBackupFile, defaultBackupPath, type BackupManifest } from '../archive/backup-files.ts';
import { settleRestore, startRestore, type RestoreOutcome } from './restore-stream.ts';
import { guardAppRole, type RoleGuard } from './role-guard.ts';
import { takeBackup } from '../archive/take-backup.ts';

export async function restoreAction(
  cfg: BackupConfig,
  out: Output,
  file: string,
  given: FlagGiven,
): Promise<ExitCodeValue> {
  if (given('keep') || given('out'))
    throw usageError('--keep and --out do not go with restore', `${BACKUP_CMD} restore ${file}`);
  const started = performance.now();
  const t = execTarget(cfg, 'restore');
  if (cfg.dryRun) return reportRestorePlan(cfg, out, t, file);
  // Nothing changes until the file is known to be what its backup wrote and the user said yes. With
  // --yes, the checksum and the lock session (which changes nothing) run side by side.
  let source: BackupManifest;
  let lock: HeldLock;
  if (!cfg.yes) {
    source = await checkBackupFile(file);
    await confirmDestructive({
      yes: false,
      what:
        `replace the whole database in ${t.where} with ${file} (${source.database}, schema ` +
        `${source.schemaVersion ?? 'none'}, taken ${source.createdAt})`,
      withYes: `${BACKUP_CMD} restore ${file} --yes`,
    });
    lock = await lockReadyPod(cfg, t, { job: 'restore' });
  } else {
    const [checked, locked] = await Promise.allSettled([
      checkBackupFile(file),
      lockReadyPod(cfg, t, { job: 'restore' }),
    ]);
    if (checked.status === 'rejected') {
      if (locked.status === 'fulfilled') await locked.value.release();
      throw checked.reason;
    }
    if (locked.status === 'rejected') throw locked.reason;
    [source, lock] = [checked.value, locked.value];
  }
  let guard: RoleGuard | null = null;
  try {
    guard = await guardAppRole(t, lock.session).catch((err: Error) => {
      out.warn(`the app role is not guarded during this restore: no superuser session (${err.message})`);
      return null;
    });
    let safety: string | null = null;
    if (!cfg.skipSafetyBackup) {
      safety = defaultBackupPath(cfg.dir, t.kind === 'pod' ? cfg.release : 'local', lock.database, new Date()).replace(
        /\.dump$/,
        '-pre-restore.dump',
      );
      out.progress(`safety backup of ${lock.database} → ${safety}`);
      await takeBackup(t, lock, safety, cfg.release);
    }
    out.progress(`restoring ${file} into ${lock.database} in ${t.where} (one transaction)`);
    const running = startRestore(t, file, lock.session);
    let interrupted = false;
    const forget = onInterrupt(async () => {
      interrupted = true;
      running.kill();
      const outcome = await settleRestore(lock.session, {
        xid: running.xid(),
        pgRestoreFailed: false,
        delivered: true,
      });
      out.progress(`restore interrupted: ${describeOutcome(outcome)}`);
      await lock.release();
    });
    const r = await running.done;
    // Killing the restore ends it here too: the interrupt's cleanup owns the lock session now and
    // exits the process when done; going on would race it for that session.
    if (interrupted) await new Promise<never>(() => {});
    forget();
    const settled: RestoreOutcome = r.committed
      ? 'committed'
      : await settleRestore(lock.session, {
          xid: r.xid ?? running.xid(),
          pgRestoreFailed: r.pgRestoreFailed,
          delivered: r.delivered,
        });
    // Committed, yet not by our COMMIT: the archive's SQL ended the transaction part-way.
    const outcome: RestoreOutcome = settled === 'committed' && !r.committed && r.transactionLost ? 'partial' : settled;
    const changed = guard ? await guard.checkAndRepair() : [];
    guard = null;
    if (changed.length) {
      out.result({ ok: false, status: 'role-changed', file, outcome, putBack: changed });
      throw notOkError(
        `restore of ${file}: its SQL changed ${changed.join(', ')}, which no backup of a database holds; put back ` +
          `as it was. Do not trust this archive; the data: ${describeOutcome(outcome)}`,
        safety ? `${BACKUP_CMD} restore ${safety} --yes` : `${BACKUP_CMD} list, then restore a backup you trust`,
      );
    }
    if (outcome !== 'committed') {
      const why = r.stderr.trim()
        ? execErrorLine(r.stderr)
        : 'the exec stream ended before pg_restore finished (connection cut?)';
      throw notOkError(
        `restore of ${file} failed: ${why}; ${describeOutcome(outcome)}`,
        restoreFix(outcome, why, t, file, safety),
      );
    }
    if (!r.committed) out.warn('the connection broke after the restore; the server confirms it committed');
    const leftover = await tablesNotRestored(lock.session, r.tables);
    out.result({
      ok: true,
      status: 'restored',
      file,
      database: lock.database,
      schemaVersion: source.schemaVersion,
      tables: r.tables.length,
      leftoverTables: leftover,
      backupTakenAt: source.createdAt,
      safetyBackup: safety,
      bytes: r.bytes,
      durationMs: Math.round(performance.now() - started),
    });
    out.line(
      `restored: ${file} → ${lock.database} (${r.tables.length} tables, schema ${source.schemaVersion ?? 'none'}, ` +
        `taken ${source.createdAt}, ${seconds(started)})`,
    );
    if (leftover.length) out.line(`not in the backup, left in place: ${leftover.join(', ')}`);
    if (safety) out.line(`safety backup: ${safety} (undo: ${BACKUP_CMD} restore ${safety} --yes)`);
    out.verdict(true, 'restored in one transaction');
    return ExitCode.ok;
  } finally {
    await guard?.close();
    await lock.release();
  }
}

/** --dry-run: the file checked against its manifest, the database named; no safety backup, no restore. */
async function reportRestorePlan(cfg: BackupConfig, out: Output, t: ExecTarget, file: string): Promise<ExitCodeValue> {
  const source = await checkBackupFile(file);
  const lock = await lockReadyPod(cfg, t, { job: 'restore' });
  try {
    const safety = cfg.skipSafetyBackup ? '' : ', after a safety backup';
    out.result({
      ok: true,
      status: 'dry-run',
      file,
      source,
      database: lock.database,
      safetyBackup: !cfg.skipSafetyBackup,
    });
    out.verdict(
      true,
      `dry run: ${file} (${source.database}, ${mib(source.sizeBytes)}, sha256 checked) would replace ` +
        `${lock.database} in ${t.where}${safety}; nothing changed`,
    );
    return ExitCode.ok;
  } finally {
    await lock.release();
  }
}

function restoreFix(outcome: RestoreOutcome, why: string, t: ExecTarget, file: string, safety: string | null): string {
  if (outcome === 'partial')
    return safety ? `${BACKUP_CMD} restore ${safety} --yes` : `${BACKUP_CMD} list, then restore a backup you trust`;
  if (outcome === 'unknown') return 'npm run -s db:verify';
  // A restore needs room for the new copy while the old one still exists (one transaction).
  if (/No space left on device|could not extend file/.test(why))
    return `grow the volume to more than twice the data, then restore again: ${storageFix(t)}`;
  return `${BACKUP_CMD} restore ${file} --yes`;
}

function describeOutcome(o: RestoreOutcome): string {
  if (o === 'committed') return 'the server says the restore committed';
  if (o === 'rolled-back') return 'the database is unchanged (the transaction rolled back)';
  if (o === 'partial')
    return (
      "the archive's own SQL ended the restore's transaction (a COMMIT or ROLLBACK in it) and part of it was " +
      'committed: the database is PARTLY restored'
    );
  return 'whether the restore committed is unknown (its transaction id was never seen)';
}

/** DROP OWNED reaches only the app user's objects: a table someone else owns survives the restore. */
async function tablesNotRestored(session: PodSession, restored: string[]): Promise<string[]> {
  const r = await session.query(
    "select schemaname || '.' || tablename from pg_tables where schemaname not in ('pg_catalog', " +
      "'information_schema') order by 1",
  );
  return r.rows.filter((name) => !restored.includes(name));
}
