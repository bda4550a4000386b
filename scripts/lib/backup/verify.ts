// backup verify FILE: proof that a backup restores, before it is needed. The file is restored whole into a
// scratch database next to the live one (in one transaction, as restore does), every table the archive
// makes is counted there, and the scratch database is dropped on every path; the live database is never
// touched. A crafted archive that reaches the app role is put back, as after a restore.
import { notOkError, toolError, usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { execTarget } from '../target/exec-target.ts';
import { lockReadyPod, type HeldLock } from '../target/maintenance-lock.ts';
import { openPodSession, type PodSession } from '../target/pod-session.ts';
import { execErrorLine, type ExecTarget } from '../target/spawn.ts';
import { checkBackupFile, type BackupManifest } from '../archive/backup-files.ts';
import { BACKUP_CMD, type BackupConfig, type FlagGiven, mib, seconds } from './command.ts';
import { endRestoreSessions, parsePublicSchema, PUBLIC_SCHEMA_SQL } from './restore-stream.ts';
import { guardAppRole } from './role-guard.ts';
import { assertRoomForScratch } from './room-check.ts';
import { createScratchDatabase, dropLeftoverScratch, dropScratchDatabase } from './scratch-database.ts';
import { restoreIntoScratch } from './scratch-restore.ts';

export interface Verified {
  tables: Array<{ name: string; rows: number }>;
  rows: number;
  durationMs: number;
}

const UNTOUCHED = 'the live database was not touched';

export async function verifyAction(
  cfg: BackupConfig,
  out: Output,
  file: string,
  given: FlagGiven,
): Promise<ExitCodeValue> {
  for (const [name, flag] of [
    ['keep', '--keep'],
    ['out', '--out'],
    ['skipSafetyBackup', '--skip-safety-backup'],
  ] as const) {
    if (given(name)) throw usageError(`${flag} does not go with verify`, `${BACKUP_CMD} verify ${file}`);
  }
  const started = performance.now();
  const source = await checkBackupFile(file);
  const t = execTarget(cfg, 'verify');
  const lock = await lockReadyPod(cfg, t, { job: 'verify' });
  try {
    if (cfg.dryRun) {
      out.result({ ok: true, status: 'dry-run', file, source, database: lock.database });
      out.verdict(
        true,
        `dry run: ${file} (${mib(source.sizeBytes)}, sha256 checked) would be restored into a scratch database ` +
          `in ${t.where} and counted, then dropped; nothing changed`,
      );
      return ExitCode.ok;
    }
    const v = await verifyHeld(t, lock, file, out, source.databaseBytes);
    out.result({ ok: true, status: 'verified', file, schemaVersion: source.schemaVersion, ...v });
    reportVerified(out, file, source, v, started);
    return ExitCode.ok;
  } finally {
    await lock.release();
  }
}

/** One line per table, then the verdict. */
export function reportVerified(out: Output, file: string, source: BackupManifest, v: Verified, started: number): void {
  for (const table of v.tables) out.line(`${table.name}: ${table.rows} rows`);
  out.verdict(
    true,
    `verified: ${file} restores whole (${v.tables.length} tables, ${v.rows} rows, schema ` +
      `${source.schemaVersion ?? 'none'}, ${seconds(started)}); scratch database dropped, ${UNTOUCHED}`,
  );
}

/** The restore drill itself, under a maintenance lock the caller holds. */
export async function verifyHeld(
  t: ExecTarget,
  lock: HeldLock,
  file: string,
  out: Output,
  databaseBytes = lock.databaseBytes,
): Promise<Verified> {
  const started = performance.now();
  let admin: PodSession | null = null;
  let scratch: string | null = null;
  try {
    admin = await openPodSession(t, 'verify-scratch', 'maintenance').catch((err: Error) => {
      throw toolError(`backup verify needs the superuser (it makes a scratch database): ${err.message}`);
    });
    const user = (await lock.session.query('select current_user')).rows[0] ?? '';
    const publicSchema = parsePublicSchema((await lock.session.query(PUBLIC_SCHEMA_SQL)).rows[0] ?? '');
    const guard = await guardAppRole(admin, user, lock.database);
    const leftover = await dropLeftoverScratch(admin);
    if (leftover.length) out.progress(`dropped scratch databases a killed run left: ${leftover.join(', ')}`);
    await assertRoomForScratch(t, admin, { file, live: lock.database, databaseBytes });
    const built = await createScratchDatabase(admin, lock.database);
    scratch = built;
    out.progress(`verifying ${file}: restoring it into scratch database ${built} in ${t.where}`);
    const r = await restoreIntoScratch(t, file, {
      admin,
      lock,
      scratch: built,
      publicSchema,
      countRows: true,
      interrupted: (dropError) => {
        const scratchSays = dropError ? `scratch database ${built} is left (${dropError})` : 'scratch database dropped';
        return `verify interrupted: ${scratchSays}; ${UNTOUCHED}`;
      },
      out,
    });
    if (!r.complete) await endRestoreSessions(admin);
    const changed = await guard.checkAndRepair();
    const dropError = await dropScratchDatabase(admin, built);
    if (dropError) throw toolError(`verify of ${file}: its scratch database ${built} is left: ${dropError}`);
    scratch = null;
    if (changed.length)
      throw notOkError(
        `verify of ${file}: its SQL changed ${changed.join(', ')}, which no backup of a database holds; put back ` +
          `as it was. Do not trust this archive; ${UNTOUCHED}`,
        `${BACKUP_CMD} list, then verify a backup you trust`,
      );
    if (!r.complete) {
      const why = r.stderr.trim() ? execErrorLine(r.stderr) : 'the exec stream was cut before pg_restore finished';
      throw notOkError(
        `${file} does not restore: ${why}; scratch database dropped, ${UNTOUCHED}`,
        `${BACKUP_CMD} list, then verify another backup`,
      );
    }
    const tables = r.tables.map((name) => ({ name, rows: r.rows.get(name) ?? 0 }));
    const rows = tables.reduce((sum, x) => sum + x.rows, 0);
    return { tables, rows, durationMs: Math.round(performance.now() - started) };
  } finally {
    if (admin && scratch) await dropScratchDatabase(admin, scratch).catch(() => {});
    await admin?.close().catch(() => {});
  }
}
