// A backup file streamed into the pod and restored in ONE transaction that we open ourselves:
// pg_restore only turns the archive into SQL (-f -), psql runs it with ON_ERROR_STOP, and COMMIT is
// sent only after pg_restore read the archive to its end. Any error, a truncated or cut stream, or a
// killed session ends psql mid-transaction, which rolls everything back. What kubectl cannot tell
// (it can exit 0 on a cut stream; killed, it leaves the process in the pod running) the server can:
// the transaction id, watched from the lock session, and txid_status() afterwards.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PodSession } from '../target/pod-session.ts';
import { APP_LOGIN, APP_PASSWORD } from '../target/pod-sql.ts';
import { collectOutput, spawnOnTarget, type ExecTarget } from '../target/spawn.ts';
import { appNameExport, sessionsOf } from '../target/session-tag.ts';

export const COMMITTED_MARKER = 'restore-committed';
const LOST_MARKER = 'restore-transaction-lost';
const XID_MARKER = 'restore-xid';

/**
 * The database becomes exactly the backup: everything the app user owns is dropped first, in the
 * same transaction. (pg_restore --clean drops only what the archive holds, so a table created since
 * the backup would stay, and one that references a restored table would make the restore fail.)
 * The Bitnami image makes the app user the owner of schema public, so DROP OWNED drops it too, and
 * pg_dump 15+ never writes CREATE SCHEMA public: it is made again here as it was (owner, PUBLIC's
 * USAGE and CREATE, comment). Where someone else owns public (the local target), it is not touched.
 */
function prelude(nonce: string): string {
  return [...PRELUDE_SQL, `\\echo ${XID_MARKER}-${nonce} :pgk8s_xid`].join('\n');
}

const PRELUDE_SQL = [
  'BEGIN;',
  'SELECT coalesce(bool_or(pg_get_userbyid(nspowner) = current_user), false) AS pgk8s_public_ours, ' +
    "coalesce(bool_or(has_schema_privilege('public', oid, 'USAGE')), false) AS pgk8s_public_usage, " +
    "coalesce(bool_or(has_schema_privilege('public', oid, 'CREATE')), false) AS pgk8s_public_create, " +
    "coalesce(max(obj_description(oid, 'pg_namespace')), '') AS pgk8s_public_comment " +
    "FROM pg_namespace WHERE nspname = 'public' \\gset",
  // No public at all (an archive that renamed it, then committed part-way): made again for the owner of
  // the database, as PostgreSQL 15 makes it (USAGE for PUBLIC), so the safety backup can come back.
  "SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') AND (SELECT pg_get_userbyid(datdba) " +
    'FROM pg_database WHERE datname = current_database()) = current_user AS pgk8s_public_missing \\gset',
  'DROP OWNED BY CURRENT_USER;',
  // The restore's own transaction, to make sure at the end that the COMMIT about to be sent is its.
  'SELECT pg_current_xact_id()::text AS pgk8s_xid \\gset',
  '\\if :pgk8s_public_ours',
  'CREATE SCHEMA public;',
  '\\if :pgk8s_public_usage',
  'GRANT USAGE ON SCHEMA public TO PUBLIC;',
  '\\endif',
  '\\if :pgk8s_public_create',
  'GRANT CREATE ON SCHEMA public TO PUBLIC;',
  '\\endif',
  "COMMENT ON SCHEMA public IS :'pgk8s_public_comment';",
  '\\endif',
  '\\if :pgk8s_public_missing',
  'CREATE SCHEMA public;',
  'GRANT USAGE ON SCHEMA public TO PUBLIC;',
  "COMMENT ON SCHEMA public IS 'standard public schema';",
  '\\endif',
];
/**
 * COMMIT only if the transaction is still the one the prelude opened: an archive whose SQL holds its own
 * COMMIT or ROLLBACK ended it, and what followed ran outside it. The marker carries a per-run nonce an
 * archive cannot know, so no text in it can pass for our success.
 */
function epilogue(nonce: string): string {
  return [
    "SELECT coalesce(pg_current_xact_id_if_assigned()::text = :'pgk8s_xid', false) AS pgk8s_ours \\gset",
    '\\if :pgk8s_ours',
    'COMMIT;',
    `\\echo ${COMMITTED_MARKER}-${nonce}`,
    '\\else',
    `\\echo ${LOST_MARKER}-${nonce}`,
    '\\endif',
  ].join('\n');
}

export function restoreCommand(nonce: string): string[] {
  return [
    'sh',
    '-c',
    `${APP_PASSWORD}; ${appNameExport('restore')} ` +
      '{ printf "%s\\n" "$1"; pg_restore --no-owner -v -f - && printf "%s\\n" "$2"; } | ' +
      `psql -X -w -q -At -v ON_ERROR_STOP=1 ${APP_LOGIN}`,
    'sh',
    prelude(nonce),
    epilogue(nonce),
  ];
}

export interface RestoreResult {
  /** COMMIT went through and we saw it say so. */
  committed: boolean;
  /** The restore's transaction was ended by the archive's own SQL, or an SQL statement failed after it. */
  transactionLost: boolean;
  /** The restore's transaction id, from its own output. */
  xid: string | null;
  bytes: number;
  exitCode: number;
  /** pg_restore's own errors, without its -v progress lines. */
  stderr: string;
  /** pg_restore itself said it failed (as opposed to kubectl or the stream). */
  pgRestoreFailed: boolean;
  /** Every byte of the file went into kubectl's stdin; if not, the pod never had the whole archive. */
  delivered: boolean;
  /** Tables pg_restore created (from its -v lines), schema-qualified. */
  tables: string[];
}

export interface RunningRestore {
  done: Promise<RestoreResult>;
  /** Kills the local kubectl; the in-pod session must be ended separately (settleRestore). */
  kill(): void;
  /** The restore's transaction id once the server assigned one (its first write). */
  xid(): string | null;
}

// backend_xid is 32 bits; txid_status wants the 64-bit id, so the current epoch is put in front.
const FULL_XID = `((txid_snapshot_xmax(txid_current_snapshot()) >> 32) << 32) + backend_xid::text::bigint`;
const RESTORE_SESSION = sessionsOf('restore');
const XID_SQL = `select ${FULL_XID} ${RESTORE_SESSION} and backend_xid is not null`;
/** Ends the restore's session and says whether there was one, and its transaction id at that moment. */
const END_SQL = `select coalesce((${FULL_XID})::text, 'none'), pg_terminate_backend(pid) ${RESTORE_SESSION}`;

export function startRestore(t: ExecTarget, file: string, watcher: PodSession): RunningRestore {
  const nonce = randomBytes(8).toString('hex');
  const child = spawnOnTarget(t, restoreCommand(nonce), true);
  // A restore that fails early stops reading its stdin: its exit code and stderr tell the story.
  const output = collectOutput(child);
  let bytes = 0;
  let xid: string | null = null;
  let finished = false;
  const input = createReadStream(file);
  input.on('data', (c) => (bytes += c.length));
  let delivered = false;
  child.stdin?.on('finish', () => (delivered = true));
  input.pipe(child.stdin!);
  void (async () => {
    while (!finished && !xid) {
      const r = await watcher.query(XID_SQL).catch(() => null);
      xid = r?.rows[0] ?? null;
      if (!xid) await sleep(50);
    }
  })();
  const done = output.then(({ exitCode, stdout, stderr }) => {
    finished = true;
    input.destroy();
    const lines = stderr.split('\n');
    return {
      committed: new RegExp(`^${COMMITTED_MARKER}-${nonce}$`, 'm').test(stdout),
      // Its transaction id as psql printed it: known even when the restore ended before the watcher looked.
      xid: new RegExp(`^${XID_MARKER}-${nonce} (\\d+)$`, 'm').exec(stdout)?.[1] ?? null,
      // An SQL error is what stops psql (ON_ERROR_STOP): after one, a committed transaction id can only
      // mean the archive committed it before the error.
      transactionLost: new RegExp(`^${LOST_MARKER}-${nonce}$`, 'm').test(stdout) || /(^|: )ERROR: {2}/m.test(stderr),
      bytes,
      exitCode,
      pgRestoreFailed: /^pg_restore: error:/m.test(stderr),
      delivered,
      stderr: lines
        .filter(
          (l) =>
            l.trim() && !/^pg_restore: (creating|processing|executing|dropping|connecting|implied|restoring)/.test(l),
        )
        .map((l) => l.replace(/^psql:<stdin>:\d+: /, ''))
        .join('\n'),
      tables: lines.flatMap((l) => /^pg_restore: creating TABLE "(.+)"$/.exec(l)?.[1] ?? []),
    };
  });
  return { done, kill: () => child.kill('SIGTERM'), xid: () => xid };
}

export type RestoreOutcome = 'committed' | 'rolled-back' | 'partial' | 'unknown';

/**
 * After anything but a seen success: end the restore's session in the pod (it outlives kubectl),
 * then decide from the server's answers, never from kubectl's exit code.
 */
export async function settleRestore(
  watcher: PodSession,
  o: { xid: string | null; pgRestoreFailed: boolean; delivered: boolean },
): Promise<RestoreOutcome> {
  const ended = await watcher.query(END_SQL);
  const [atEnd] = (ended.rows[0] ?? '').split('|');
  const xid = atEnd && atEnd !== 'none' ? atEnd : o.xid;
  if (xid) {
    // A terminated backend takes a moment to abort: 'in progress' until it has.
    for (let attempt = 0; attempt < 40; attempt++) {
      const status = (await watcher.query(`select txid_status(${xid})`)).rows[0] ?? '';
      if (status === 'committed') return 'committed';
      if (status === 'aborted') return 'rolled-back';
      if (status !== 'in progress') return 'unknown';
      await sleep(250);
    }
    return 'unknown';
  }
  // A live session that never got a transaction id had written nothing. COMMIT is sent only after
  // pg_restore read the whole archive: not if it reported an error, nor if the archive never all left.
  if (ended.rows.length > 0 || o.pgRestoreFailed || !o.delivered) return 'rolled-back';
  return 'unknown';
}
