// A backup file streamed into the pod and restored by pg_restore itself into a scratch database, in one
// transaction, stopping at the first error. pg_restore talks to the server directly (no psql between
// them), so an archive holds SQL, never psql commands such as \connect. Whatever that SQL does inside
// the scratch database, its own COMMIT included, stays there: the live database is replaced only after
// the whole archive went in (restore.ts swaps it in). What kubectl cannot tell (it can exit 0 on a cut
// stream) the in-pod shell can: a per-run marker is printed only after pg_restore exited 0 and the
// tables it made were counted in the database itself.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { PodSession } from '../target/pod-session.ts';
import { APP_PASSWORD } from '../target/pod-sql.ts';
import { collectOutput, spawnOnTarget, type ExecTarget } from '../target/spawn.ts';
import { appNameExport, sessionsOf } from '../target/session-tag.ts';
import { sqlLiteral as lit } from '../schema/sql-quote.ts';

const DONE_MARKER = 'restore-done';

/** Schema public as the live database has it: made again so in the scratch database, whose own is template0's. */
export interface PublicSchema {
  /** The app user owns it (the Bitnami image makes it so); otherwise the scratch one is left as it is. */
  ours: boolean;
  usage: boolean;
  create: boolean;
  comment: string;
}

export const PUBLIC_SCHEMA_SQL =
  'select coalesce(bool_or(pg_get_userbyid(nspowner) = current_user), false), ' +
  "coalesce(bool_or(has_schema_privilege('public', oid, 'USAGE')), false), " +
  "coalesce(bool_or(has_schema_privilege('public', oid, 'CREATE')), false), " +
  "coalesce(max(obj_description(oid, 'pg_namespace')), '') from pg_namespace where nspname = 'public'";

export function parsePublicSchema(row: string): PublicSchema {
  const [ours, usage, create, ...comment] = row.split('|');
  return { ours: ours === 't', usage: usage === 't', create: create === 't', comment: comment.join('|') };
}

/**
 * pg_dump 15+ never writes CREATE SCHEMA public (initdb makes it), so the app user's public, with PUBLIC's
 * USAGE and CREATE and its comment, is made again before pg_restore runs. Where someone else owns it (the
 * local target), template0's is already what the live database has.
 */
export function publicSchemaSql(p: PublicSchema): string {
  if (!p.ours) return 'select 1';
  return [
    'drop schema public',
    'create schema public',
    ...(p.usage ? ['grant usage on schema public to public'] : []),
    ...(p.create ? ['grant create on schema public to public'] : []),
    `comment on schema public is ${lit(p.comment)}`,
  ].join('; ');
}

const USER_TABLES = "from pg_tables where schemaname not in ('pg_catalog', 'information_schema')";
const TABLES_SQL = `select schemaname || '.' || tablename ${USER_TABLES}`;
// The same names, each with a tab and its row count (backup verify's report).
const TABLE_ROWS_SQL =
  "select schemaname || '.' || tablename || E'\\t' || (xpath('/row/c/text()', query_to_xml(" +
  `format('select count(*) as c from %I.%I', schemaname, tablename), false, true, '')))[1]::text ${USER_TABLES}`;

/**
 * sh -c script and its arguments: the scratch database's name is ours ([a-z0-9_]), never the archive's.
 * With `countRows`, each table's name comes with its row count.
 */
export function restoreCommand(scratch: string, publicSql: string, nonce: string, countRows = false): string[] {
  const login = '-X -w -U "$POSTGRES_USER" -d "$1"';
  return [
    'sh',
    '-c',
    `${APP_PASSWORD}; ${appNameExport('restore')} ` +
      `psql ${login} -q -v ON_ERROR_STOP=1 -c "$2" && ` +
      'pg_restore --no-owner --single-transaction --exit-on-error -v -U "$POSTGRES_USER" -d "$1" && ' +
      `psql ${login} -At -v ON_ERROR_STOP=1 -c "$3" && printf '%s\\n' "$4"`,
    'sh',
    scratch,
    publicSql,
    countRows ? TABLE_ROWS_SQL : TABLES_SQL,
    `${DONE_MARKER}-${nonce}`,
  ];
}

export interface RestoreResult {
  /** pg_restore exited 0 and every table it made is in the scratch database. */
  complete: boolean;
  bytes: number;
  /** pg_restore's own errors, without its -v progress lines. */
  stderr: string;
  /** Tables pg_restore created (from its -v lines), schema-qualified. */
  tables: string[];
  /** With countRows: each table in the scratch database and its rows. */
  rows: Map<string, number>;
}

export interface RunningRestore {
  done: Promise<RestoreResult>;
  /** Kills the local kubectl; the in-pod session must be ended separately (endRestoreSessions). */
  kill(): void;
}

export function startRestore(
  t: ExecTarget,
  file: string,
  o: { scratch: string; publicSql: string; countRows?: boolean },
): RunningRestore {
  const nonce = randomBytes(8).toString('hex');
  const child = spawnOnTarget(t, restoreCommand(o.scratch, o.publicSql, nonce, o.countRows), true);
  // A restore that fails early stops reading its stdin: its exit code and stderr tell the story.
  const output = collectOutput(child);
  let bytes = 0;
  const input = createReadStream(file);
  input.on('data', (c) => (bytes += c.length));
  input.pipe(child.stdin!);
  const done = output.then(({ stdout, stderr }) => {
    input.destroy();
    const lines = stderr.split('\n');
    const tables = lines.flatMap((l) => /^pg_restore: creating TABLE "(.+)"$/.exec(l)?.[1] ?? []);
    const out = stdout.split('\n');
    const marked = out.indexOf(`${DONE_MARKER}-${nonce}`);
    const rows = new Map<string, number>();
    for (const line of out.slice(0, Math.max(marked, 0))) {
      const tab = line.lastIndexOf('\t');
      rows.set(tab < 0 ? line : line.slice(0, tab), tab < 0 ? Number.NaN : Number(line.slice(tab + 1)));
    }
    return {
      complete: marked >= 0 && tables.every((name) => rows.has(name)),
      bytes,
      stderr: restoreErrors(lines),
      tables,
      rows,
    };
  });
  return { done, kill: () => child.kill('SIGTERM') };
}

/** Ends the restore's sessions in the pod (they outlive kubectl); how many there were. */
export async function endRestoreSessions(admin: PodSession): Promise<number> {
  const r = await admin.query(`select count(pg_terminate_backend(pid)) ${sessionsOf('restore')}`);
  return Number(r.rows[0] ?? 0);
}

/**
 * What went wrong, from pg_restore's stderr: its `error:` lines first (without the "could not execute
 * query" wrapper), then anything else that is not -v progress or the context it prints around an error
 * ("while PROCESSING TOC", "from TOC entry", "Command was").
 */
export function restoreErrors(lines: string[]): string {
  const errors = lines.filter((l) => l.startsWith('pg_restore: error: '));
  const others = lines.filter(
    (l) =>
      l.trim() &&
      !l.startsWith('pg_restore: error: ') &&
      !/^pg_restore: (creating|processing|executing|dropping|connecting|implied|restoring|while |from TOC entry)/.test(
        l,
      ) &&
      !/^Command was: /.test(l),
  );
  return [
    ...errors.map((l) => l.replace(/^pg_restore: error: (could not execute query: )?/, '')),
    ...(errors.length ? [] : others),
  ].join('\n');
}
