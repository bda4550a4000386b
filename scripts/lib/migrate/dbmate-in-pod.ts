// dbmate inside the pod: the binary copied there once (kept while its checksum matches), then one
// exec per run that writes the migration files into a private temporary directory and runs dbmate
// against the local socket. The password is read there from the chart's file, never in an argv,
// and --no-dump-schema keeps dbmate from running pg_dump with it on a command line.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { DBMATE_IN_POD, type LocalBinary } from './dbmate-binary.ts';
import { toolError } from '../cli/errors.ts';
import type { MigrationFile } from '../schema/migration-files.ts';
import type { PodSession } from '../target/pod-session.ts';
import { APP_PASSWORD } from '../target/pod-sql.ts';
import { collectOutput, execErrorLine, spawnOnTarget, type ExecOutput, type ExecTarget } from '../target/spawn.ts';
import { sessionName } from '../target/session-tag.ts';
import { shQuote } from '../cli/sh-quote.ts';

export interface PodFacts {
  /** `uname -m` in the pod. */
  arch: string;
  /** sha256 of the dbmate already in the pod, or null. */
  dbmateSha256: string | null;
}

/** Where dbmate finds the server: its socket directory and port, as the server says. */
export interface ServerSocket {
  socketDir: string;
  port: number;
}

// The checksum the pod computed right after the verified copy, kept beside the binary with the
// file's size, inode and modification time: while those are the same, the 34 MB are not hashed
// again on every run.
const STAMP = `${DBMATE_IN_POD}.stamp`;
const FILE_ID = `stat -c '%s %i %y' ${DBMATE_IN_POD}`;

/** Asked through the open session (psql's \! runs in the pod): no extra exec. */
export async function readPodFacts(session: PodSession): Promise<PodFacts> {
  const shell = await session.query(
    `\\! echo "arch $(uname -m)"; id=$(${FILE_ID} 2>/dev/null) && [ "$(cut -d' ' -f2- ${STAMP} 2>/dev/null)" = ` +
      `"$id" ] && echo "dbmate $(cut -d' ' -f1 ${STAMP})"; true`,
  );
  const field = (tag: string): string =>
    shell.rows
      .find((r) => r.startsWith(`${tag} `))
      ?.slice(tag.length + 1)
      .trim() ?? '';
  return { arch: field('arch'), dbmateSha256: field('dbmate') || null };
}

/** psql's own HOST and PORT: where this session got in (unix_socket_directories needs a superuser). */
export async function readServerSocket(session: PodSession): Promise<ServerSocket> {
  const r = await session.query("select :'HOST', :'PORT'");
  const [dir, port] = (r.rows[0] ?? '').split('|');
  return { socketDir: dir?.trim() || '/tmp', port: Number(port) || 5432 };
}

/** Copies the binary unless the pod already has this exact one; true when it copied. */
export async function ensureDbmateInPod(t: ExecTarget, facts: PodFacts, local: LocalBinary): Promise<boolean> {
  if (facts.dbmateSha256 === local.sha256) return false;
  const partial = `${DBMATE_IN_POD}.partial`;
  const copy = `cat > ${partial} && chmod 0700 ${partial} && mv -f ${partial} ${DBMATE_IN_POD}`;
  const stamp = `s=$(sha256sum ${DBMATE_IN_POD} | cut -c1-64) && echo "$s $(${FILE_ID})" > ${STAMP} && echo "$s"`;
  const child = spawnOnTarget(t, ['sh', '-c', `${copy} && ${stamp}`], true);
  const output = collectOutput(child);
  createReadStream(local.path).pipe(child.stdin!);
  const { exitCode, stdout, stderr } = await output;
  // kubectl can exit 0 on a cut stream: only the checksum computed in the pod proves the copy.
  if (exitCode !== 0 || stdout.slice(0, 64) !== local.sha256) {
    throw toolError(
      `copying dbmate into ${t.where} failed ` +
        `(${exitCode !== 0 ? execErrorLine(stderr) : 'checksum differs after the copy'})`,
      'run the migration again',
    );
  }
  return true;
}

export type DbmateAction = { kind: 'migrate'; strict: boolean } | { kind: 'rollback'; steps: number };

/** Session defaults for dbmate's connection: how long a statement may wait for a lock, and run. */
export interface SessionLimits {
  lockTimeoutMs: number;
  /** Undefined: no limit. */
  statementTimeoutMs?: number | undefined;
}

/**
 * The limits as connection parameters: lib/pq (dbmate's driver) sends the URL's other parameters in the
 * startup packet, where the server takes them as the session's settings, so a file's own SET still wins.
 */
export function limitParams(l: SessionLimits): string {
  const statement = l.statementTimeoutMs === undefined ? '' : `&statement_timeout=${l.statementTimeoutMs}`;
  return `&lock_timeout=${l.lockTimeoutMs}${statement}`;
}

/**
 * The sh script sent on stdin: each file written by the printf builtin from one single-quoted word
 * (no expansion, the bytes as they are, no process per file), then dbmate.
 */
export function driverScript(
  files: readonly MigrationFile[],
  action: DbmateAction,
  server: ServerSocket,
  limits: SessionLimits,
  dbmatePath = DBMATE_IN_POD,
): string {
  const url =
    `postgres://\${POSTGRES_USER}@:${server.port}/\${POSTGRES_DATABASE:-$POSTGRES_USER}` +
    `?socket=${encodeURIComponent(server.socketDir)}&sslmode=disable&application_name=${sessionName('migrate')}` +
    limitParams(limits);
  const dbmate = `${shQuote(dbmatePath)} --no-dump-schema --migrations-dir "$d"`;
  return [
    'set -e', // a file that cannot be written stops the run before dbmate sees half a directory
    'd=$(mktemp -d /tmp/pgk8s-migrations.XXXXXX) || exit 97',
    'trap \'rm -rf "$d"\' EXIT',
    ...files.map((f) => `printf '%s' ${shQuote(f.content)} > "$d/${basename(f.path)}"`),
    APP_PASSWORD,
    `export DATABASE_URL="${url}"`,
    action.kind === 'migrate'
      ? `${dbmate} migrate${action.strict ? ' --strict' : ''}`
      : `i=0; while [ "$i" -lt ${action.steps} ]; do ${dbmate} rollback || exit $?; i=$((i + 1)); done`,
    '',
  ].join('\n');
}

export type DbmateRun = ExecOutput;

export interface PodShell {
  /** Sends the script and waits for it to finish. */
  run(script: string): Promise<DbmateRun>;
  /** Unused or done: its stdin ends, so it exits. */
  end(): void;
}

/**
 * Starts `sh -s` in the pod before the script is ready: kubectl's start-up then overlaps with the
 * lock, the dbmate checks and the copy. The shell waits on stdin until run() sends the script.
 */
export function startPodShell(t: ExecTarget): PodShell {
  const child = spawnOnTarget(t, ['sh', '-s'], true);
  const output = collectOutput(child);
  return {
    run(script) {
      child.stdin?.end(script);
      return output;
    },
    end() {
      child.stdin?.end();
    },
  };
}

/** dbmate's "Error: line: 4, column: 1, position: 78: pq: syntax error at … (42601)" taken apart. */
export function parseDbmateError(stderr: string): { message: string; line: number | null; sqlstate: string | null } {
  const raw = stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? execErrorLine(stderr);
  const sqlstate = /\(([0-9A-Z]{5})\)\s*$/.exec(raw)?.[1] ?? null;
  const line = /\bline: (\d+)/.exec(raw)?.[1];
  const message = raw
    .replace(/^Error: /, '')
    .replace(/^line: \d+, column: \d+, position: \d+: /, '')
    .replace(/^pq: /, '')
    .replace(/ at position \d+:\d+/, '')
    .replace(/\s*\([0-9A-Z]{5}\)\s*$/, '')
    .trim();
  return { message, line: line ? Number(line) : null, sqlstate };
}
