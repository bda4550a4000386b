// backup restore FILE: a checked backup built whole in a scratch database after a safety backup, under the
// lock, then swapped in for the live database.
import { confirmDestructive } from '../cli/confirm.ts';
import { notOkError, toolError, usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { onInterrupt } from '../cli/run-script.ts';
import { execTarget, storageFix } from '../target/exec-target.ts';
import { lockReadyPod } from '../target/maintenance-lock.ts';
import { openPodSession, type PodSession } from '../target/pod-session.ts';
import { execErrorLine, type ExecTarget } from '../target/spawn.ts';
import { BACKUP_CMD, type BackupConfig, type FlagGiven, mib, seconds } from './command.ts';
import { checkBackupFile, defaultBackupPath, type BackupManifest } from '../archive/backup-files.ts';
import { endRestoreSessions, parsePublicSchema, PUBLIC_SCHEMA_SQL } from './restore-stream.ts';
import { restoreIntoScratch } from './scratch-restore.ts';
import { describeChanges, guardAppRole, readState, type RoleState } from './role-guard.ts';
import { swapIn, type Swapped } from './database-swap.ts';
import { createScratchDatabase, dropLeftoverScratch, dropScratchDatabase } from './scratch-database.ts';
import { takeBackup } from '../archive/take-backup.ts';
import { assertRoomForScratch, volumeFreeBytes } from './room-check.ts';

export async function restoreAction(
  cfg: BackupConfig,
  out: Output,
  file: string,
  given: FlagGiven,
): Promise<ExitCodeValue> {
  if (given('keep') || given('out'))
    throw usageError('--keep and --out do not go with restore', `${BACKUP_CMD} restore ${file}`);
  if (given('verify'))
    throw usageError(
      '--verify goes with a backup; to drill this file without replacing anything',
      `${BACKUP_CMD} verify ${file}`,
    );
  const started = performance.now();
  const t = execTarget(cfg, 'restore');
  if (cfg.dryRun) return reportRestorePlan(cfg, out, t, file);
  // Nothing changes until the file is known to be what its backup wrote and the user said yes. With
  // --yes, the checksum and the lock session (which changes nothing) run side by side.
  let confirmed: BackupManifest | null = null;
  if (!cfg.yes) {
    const source = await checkBackupFile(file);
    confirmed = source;
    await confirmDestructive({
      yes: false,
      what:
        `replace the whole database in ${t.where} with ${file} (${source.database}, schema ` +
        `${source.schemaVersion ?? 'none'}, taken ${source.createdAt})`,
      withYes: `${BACKUP_CMD} restore ${file} --yes`,
    });
  }
  // The superuser session and the volume's df are kubectl round trips of their own, read-only: they start
  // with the lock, not after it. Whatever stops the restore first, the session is closed once it opens.
  const opening = openPodSession(t, 'restore-swap', 'maintenance');
  opening.catch(() => {});
  const freeBytes = volumeFreeBytes(t).catch(() => null);
  const [checked, locked] = await Promise.allSettled([
    confirmed ? Promise.resolve(confirmed) : checkBackupFile(file),
    lockReadyPod(cfg, t, { job: 'restore' }),
  ]);
  if (checked.status === 'rejected' || locked.status === 'rejected') {
    if (locked.status === 'fulfilled') await locked.value.release();
    await opening.then((session) => session.close()).catch(() => {});
    throw checked.status === 'rejected' ? checked.reason : (locked as PromiseRejectedResult).reason;
  }
  const [source, lock] = [checked.value, locked.value];
  let admin: PodSession | null = null;
  let scratch: string | null = null;
  try {
    admin = await opening.catch((err: Error) => {
      throw toolError(
        `a restore needs the superuser (it builds the backup in a scratch database, then swaps it in): ${err.message}`,
        'npm run -s db:verify',
      );
    });
    const user = (await lock.session.query('select current_user')).rows[0] ?? '';
    await refuseObjectsOfOthers(lock.session, user, lock.database);
    const publicSchema = parsePublicSchema((await lock.session.query(PUBLIC_SCHEMA_SQL)).rows[0] ?? '');
    const guard = await guardAppRole(admin, user, lock.database);
    const leftover = await dropLeftoverScratch(admin);
    if (leftover.length) out.progress(`dropped scratch databases a killed restore left: ${leftover.join(', ')}`);
    const databaseBytes = source.databaseBytes ?? lock.databaseBytes;
    await assertRoomForScratch(t, admin, { file, live: lock.database, databaseBytes, free: freeBytes });
    let safety: string | null = null;
    if (!cfg.skipSafetyBackup) {
      safety = defaultBackupPath(cfg.dir, t.kind === 'pod' ? cfg.release : 'local', lock.database, new Date()).replace(
        /\.dump$/,
        '-pre-restore.dump',
      );
      out.progress(`safety backup of ${lock.database} → ${safety}`);
      await takeBackup(t, lock, safety, cfg.release);
    }
    const built = await createScratchDatabase(admin, lock.database);
    scratch = built;
    const scratchBefore = await readState(admin, user, built);
    out.progress(
      `restoring ${file} into ${lock.database} in ${t.where} (built in a scratch database, then swapped in)`,
    );
    const r = await restoreIntoScratch(t, file, {
      admin,
      lock,
      scratch: built,
      publicSchema,
      interrupted: (dropError) => {
        const left = `the database is unchanged; its scratch database ${built} is left (${dropError})`;
        return `restore interrupted: ${dropError ? left : UNCHANGED}`;
      },
      out,
    });
    // What the archive's SQL changed outside its own database (the role, the live database) is put back;
    // its own database's settings belong to the live one, which the scratch database is to become.
    if (!r.complete) await endRestoreSessions(admin);
    const changed = [
      ...new Set([
        ...(await guard.checkAndRepair()),
        ...describeChanges(scratchBefore, await readState(admin, user, built)),
      ]),
    ];
    if (changed.length || !r.complete) {
      const dropError = await dropScratchDatabase(admin, built);
      if (dropError)
        throw toolError(`restore of ${file} failed, and its scratch database ${built} is left: ${dropError}`);
      scratch = null;
    }
    if (changed.length) {
      out.result({ ok: false, status: 'role-changed', file, outcome: 'unchanged', putBack: changed });
      throw notOkError(
        `restore of ${file}: its SQL changed ${changed.join(', ')}, which no backup of a database holds; put back ` +
          `as it was. Do not trust this archive; ${UNCHANGED}`,
        `${BACKUP_CMD} list, then restore a backup you trust`,
      );
    }
    if (!r.complete) {
      const why = failureOf(r.stderr);
      throw notOkError(`restore of ${file} failed: ${why}; ${UNCHANGED}`, restoreFix(why, t, file));
    }
    const swapped = await swapWithoutInterrupt(out, admin, {
      before: guard.before,
      live: lock.database,
      scratch: built,
    });
    scratch = null;
    const after = await guard.checkAndRepair();
    if (after.length) out.warn(`after the swap, ${after.join(', ')} differed from before and was put back`);
    out.result({
      ok: true,
      status: 'restored',
      file,
      database: lock.database,
      schemaVersion: source.schemaVersion,
      tables: r.tables.length,
      endedSessions: swapped.ended,
      backupTakenAt: source.createdAt,
      safetyBackup: safety,
      bytes: r.bytes,
      durationMs: Math.round(performance.now() - started),
    });
    out.line(
      `restored: ${file} → ${lock.database} (${r.tables.length} tables, schema ${source.schemaVersion ?? 'none'}, ` +
        `taken ${source.createdAt}, ${seconds(started)})`,
    );
    if (swapped.ended)
      out.line(
        `ended ${swapped.ended} session${swapped.ended === 1 ? '' : 's'} on ${lock.database} for the swap ` +
          '(the app reconnects to the restored database)',
      );
    if (swapped.dropError)
      out.warn(
        `the replaced database ${swapped.replaced} is left (${swapped.dropError}); drop it when done: ` +
          `npm run -s db:psql -- --write -c "drop database ${swapped.replaced}"`,
      );
    if (safety) out.line(`safety backup: ${safety} (undo: ${BACKUP_CMD} restore ${safety} --yes)`);
    out.verdict(true, 'restored whole (built in a scratch database, then swapped in)');
    return ExitCode.ok;
  } finally {
    // Each step runs even when one before it fails (a session that died with the server): the lock
    // session must end, or this process never exits.
    const left = scratch;
    if (admin && left) await dropScratchDatabase(admin, left).catch(() => {});
    await admin?.close().catch(() => {});
    await lock.release().catch(() => {});
  }
}

const UNCHANGED = 'the database is unchanged (the restore went into a scratch database, now dropped)';

/** The swap is one request the pod finishes anyway; Ctrl-C during it waits for it and says how it went. */
async function swapWithoutInterrupt(
  out: Output,
  admin: PodSession,
  o: { before: RoleState; live: string; scratch: string },
): Promise<Swapped> {
  const swapping = swapIn(admin, o);
  let interrupted = false;
  const forget = onInterrupt(async () => {
    interrupted = true;
    const done = await swapping.then(
      () => `the backup was already swapped in for ${o.live}`,
      () => UNCHANGED,
    );
    out.progress(`restore interrupted: ${done}`);
  });
  const swapped = await swapping.finally(() => {
    if (!interrupted) forget();
  });
  if (interrupted) await new Promise<never>(() => {});
  return swapped;
}

/**
 * Replacing the database drops everything in it. What the app user owns comes back from the backup; a
 * table or schema of another role is one the app user could never have dropped, so the restore refuses.
 */
async function refuseObjectsOfOthers(session: PodSession, user: string, database: string): Promise<void> {
  const r = await session.query(OBJECTS_OF_OTHERS_SQL);
  if (!r.rows.length) return;
  const found = r.rows.map((row) => row.split('|') as [kind: string, name: string, owner: string]);
  const names = found.slice(0, 3).map(([, name, owner]) => `${name} (owned by ${owner})`);
  const more = found.length > 3 ? ` and ${found.length - 3} more` : '';
  const [kind, name] = found[0]!;
  throw usageError(
    `${names.join(', ')}${more} ${found.length === 1 ? 'is' : 'are'} not the app user's: replacing the database ` +
      `would delete ${found.length === 1 ? 'it' : 'them'}; nothing changed`,
    `as the superuser, alter ${kind} ${name} owner to ${user} (or move it out of ${database}), then restore again`,
  );
}

const OBJECTS_OF_OTHERS_SQL =
  "select 'table', format('%I.%I', n.nspname, c.relname), pg_get_userbyid(c.relowner) from pg_class c " +
  "join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') " +
  "and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)' " +
  'and c.relowner <> (select oid from pg_roles where rolname = current_user) ' +
  "and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid " +
  "and d.deptype = 'e') " +
  "union all select 'schema', format('%I', n.nspname), pg_get_userbyid(n.nspowner) from pg_namespace n " +
  "where n.nspname not in ('public', 'pg_catalog', 'information_schema') and n.nspname !~ '^pg_' " +
  'and n.nspowner <> (select oid from pg_roles where rolname = current_user) ' +
  "and not exists (select 1 from pg_depend d where d.classid = 'pg_namespace'::regclass and d.objid = n.oid " +
  "and d.deptype = 'e') order by 1 desc, 2";

/** --dry-run: the file checked against its manifest, the database named; no safety backup, no restore. */
async function reportRestorePlan(cfg: BackupConfig, out: Output, t: ExecTarget, file: string): Promise<ExitCodeValue> {
  const source = await checkBackupFile(file);
  const lock = await lockReadyPod(cfg, t, { job: 'restore' });
  try {
    const user = (await lock.session.query('select current_user')).rows[0] ?? '';
    await refuseObjectsOfOthers(lock.session, user, lock.database);
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

function restoreFix(why: string, t: ExecTarget, file: string): string {
  // The scratch database needs room for a whole copy while the live one still exists.
  if (/No space left on device|could not extend file|could not write to file/.test(why))
    return `grow the volume to more than twice the data, then restore again: ${storageFix(t)}`;
  return `${BACKUP_CMD} restore ${file} --yes`;
}

/** The file was checked whole against its manifest: an archive that ends early in the pod was cut on the way. */
function failureOf(stderr: string): string {
  // A cut connection carries every stream away: pg_restore's own words never arrive.
  if (!stderr.trim()) return 'the exec stream was cut before pg_restore finished (no result came back from the pod)';
  const first = execErrorLine(stderr);
  if (/end of file|unexpected end of file|could not read from input file/.test(first))
    return `the exec stream was cut before the whole file arrived (pg_restore: ${first})`;
  return first;
}
