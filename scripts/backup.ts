// backup.ts: `backup` (default) streams pg_dump -Fc from the pod to a private local file kept only
// after a full read succeeds; `restore FILE` puts a checked backup back in one transaction, after a
// safety backup; `list` shows the backups and prunes with --keep N.
import { BACKUP_OPTIONS } from './lib/backup/options.ts';
import {
  checkBackupFile,
  defaultBackupPath,
  listBackups,
  pruneBackups,
  type BackupManifest,
} from './lib/backup/files.ts';
import { takeBackup } from './lib/backup/run.ts';
import type { ConfigValues } from './lib/cli/option-spec.ts';
import { confirmDestructive } from './lib/cli/confirm.ts';
import { notOkError, usageError } from './lib/cli/errors.ts';
import { ExitCode, type ExitCodeValue } from './lib/cli/exit-codes.ts';
import { lockReadyPod, type HeldLock } from './lib/target/maintenance-lock.ts';
import type { Output } from './lib/cli/output.ts';
import type { PodSession } from './lib/target/pod-session.ts';
import { execErrorLine, type ExecTarget } from './lib/target/spawn.ts';
import { execTarget, storageFix } from './lib/target/exec-target.ts';
import { settleRestore, startRestore, type RestoreOutcome } from './lib/backup/restore-stream.ts';
import { onInterrupt, runScript } from './lib/cli/run-script.ts';

type Cfg = ConfigValues<typeof BACKUP_OPTIONS>;
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)}s`;
const ACTIONS = 'backup | restore FILE | list';

await runScript(
  {
    command: 'npm run -s db:backup --',
    summary:
      'Back up the database to a local file (pg_dump -Fc, verified by a full read, sha256 in a manifest), restore one in a single transaction, or list them.',
    usage: 'npm run -s db:backup -- [backup | restore FILE | list] [flags]',
    positionals: [{ name: ACTIONS, description: 'what to do (default: backup)' }],
    spec: BACKUP_OPTIONS,
    allowPositionals: true,
    examples: [
      'npm run -s db:backup',
      'npm run -s db:backup -- restore backups/postgresql-learnflow-20261125T143000Z.dump --yes',
      'npm run -s db:backup -- list --keep 7',
    ],
  },
  async ({ cfg, positionals, out }) => {
    const [action = 'backup', ...args] = positionals;
    if (action === 'restore' && args.length === 1 && args[0]) return restore(cfg, out, args[0]);
    if (action === 'restore')
      throw usageError(
        'restore needs exactly one backup file',
        'npm run -s db:backup -- restore FILE (see: npm run -s db:backup -- list)',
      );
    if (action === 'list' && !args.length) return list(cfg, out);
    if (action === 'backup' && !args.length) return backup(cfg, out);
    throw usageError(`unknown action "${positionals.join(' ')}"`, `npm run -s db:backup -- ${ACTIONS}`);
  },
);

function list(cfg: Cfg, out: Output): ExitCodeValue {
  const removed = cfg.keep !== undefined ? pruneBackups(cfg.dir, Math.max(0, cfg.keep)) : [];
  const backups = listBackups(cfg.dir);
  out.result({ ok: true, status: 'listed', dir: cfg.dir, backups, removed });
  // At most five lines: the three newest, a count of the rest (--json lists them all), the verdict.
  for (const b of backups.slice(0, 3))
    out.line(
      `${b.createdAt}  ${mib(b.sizeBytes).padStart(10)}  ${b.database}  schema ${b.schemaVersion ?? '-'}  ${b.path}`,
    );
  if (backups.length > 3) out.line(`… and ${backups.length - 3} older (--json lists them all)`);
  out.verdict(
    true,
    `${backups.length} backup(s) in ${cfg.dir}${removed.length ? `; removed ${removed.length} older than the ${cfg.keep} newest: ${removed.join(', ')}` : ''}`,
  );
  return ExitCode.ok;
}

async function backup(cfg: Cfg, out: Output): Promise<ExitCodeValue> {
  if (cfg.keep !== undefined)
    throw usageError('--keep goes with list', `npm run -s db:backup -- list --keep ${cfg.keep}`);
  if (cfg.skipSafetyBackup)
    throw usageError(
      '--skip-safety-backup goes with restore',
      'npm run -s db:backup -- restore FILE --skip-safety-backup',
    );
  const started = performance.now();
  const t = execTarget(cfg, 'backup');
  const lock = await lockReadyPod(cfg, t, { job: 'backup' });
  try {
    const file =
      cfg.out ?? defaultBackupPath(cfg.dir, t.kind === 'pod' ? cfg.release : 'local', lock.database, new Date());
    out.progress(`pg_dump -Fc of ${lock.database} from ${t.where} → ${file}`);
    const m = await takeBackup(t, lock, file, cfg.release);
    out.result({ ok: true, status: 'backed-up', ...m, durationMs: Math.round(performance.now() - started) });
    out.line(
      `backup: ${file} (${mib(m.sizeBytes)}, sha256 ${m.sha256.slice(0, 12)}…, schema ${m.schemaVersion ?? 'none'}, ${seconds(started)})`,
    );
    out.verdict(true, 'verified by a full read (pg_restore); manifest beside it');
    return ExitCode.ok;
  } finally {
    await lock.release();
  }
}

async function restore(cfg: Cfg, out: Output, file: string): Promise<ExitCodeValue> {
  if (cfg.keep !== undefined || cfg.out !== undefined)
    throw usageError('--keep and --out do not go with restore', `npm run -s db:backup -- restore ${file}`);
  const started = performance.now();
  const t = execTarget(cfg, 'restore');
  // Nothing changes until the file is known to be what its backup wrote and the user said yes. With
  // --yes, the checksum and the lock session (which changes nothing) run side by side.
  let source: BackupManifest;
  let lock: HeldLock;
  if (!cfg.yes) {
    source = await checkBackupFile(file);
    await confirmDestructive({
      yes: false,
      what: `replace the whole database in ${t.where} with ${file} (${source.database}, schema ${source.schemaVersion ?? 'none'}, taken ${source.createdAt})`,
      withYes: `npm run -s db:backup -- restore ${file} --yes`,
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
  try {
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
      out.progress(
        `restore interrupted: ${describeOutcome(await settleRestore(lock.session, { xid: running.xid(), pgRestoreFailed: false, delivered: true }))}`,
      );
      await lock.release();
    });
    const r = await running.done;
    // Killing the restore ends it here too: the interrupt's cleanup owns the lock session now and
    // exits the process when done; going on would race it for that session.
    if (interrupted) await new Promise<never>(() => {});
    forget();
    const outcome: RestoreOutcome = r.committed
      ? 'committed'
      : await settleRestore(lock.session, {
          xid: running.xid(),
          pgRestoreFailed: r.pgRestoreFailed,
          delivered: r.delivered,
        });
    if (outcome !== 'committed') {
      const why = r.stderr.trim()
        ? execErrorLine(r.stderr)
        : 'the exec stream ended before pg_restore finished (connection cut?)';
      throw notOkError(
        `restore of ${file} failed: ${why}; ${describeOutcome(outcome)}`,
        restoreFix(outcome, why, t, file),
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
      `restored: ${file} → ${lock.database} (${r.tables.length} tables, schema ${source.schemaVersion ?? 'none'}, taken ${source.createdAt}, ${seconds(started)})`,
    );
    if (leftover.length) out.line(`not in the backup, left in place: ${leftover.join(', ')}`);
    if (safety) out.line(`safety backup: ${safety} (undo: npm run -s db:backup -- restore ${safety} --yes)`);
    out.verdict(true, 'restored in one transaction');
    return ExitCode.ok;
  } finally {
    await lock.release();
  }
}

function restoreFix(outcome: RestoreOutcome, why: string, t: ExecTarget, file: string): string {
  if (outcome === 'unknown') return 'npm run -s db:verify';
  // A restore needs room for the new copy while the old one still exists (one transaction).
  if (/No space left on device|could not extend file/.test(why))
    return `grow the volume to more than twice the data, then restore again: ${storageFix(t)}`;
  return `npm run -s db:backup -- restore ${file} --yes`;
}

function describeOutcome(o: RestoreOutcome): string {
  if (o === 'committed') return 'the server says the restore committed';
  if (o === 'rolled-back') return 'the database is unchanged (the transaction rolled back)';
  return 'whether the restore committed is unknown (its transaction id was never seen)';
}

/** DROP OWNED reaches only the app user's objects: a table someone else owns survives the restore. */
async function tablesNotRestored(session: PodSession, restored: string[]): Promise<string[]> {
  const r = await session.query(
    "select schemaname || '.' || tablename from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1",
  );
  return r.rows.filter((name) => !restored.includes(name));
}
