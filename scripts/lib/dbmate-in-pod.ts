// dbmate inside the pod: the binary copied there once (kept while its checksum matches), then one
// exec per run that writes the migration files into a private temporary directory and runs dbmate
// against the local socket. The password is read there from the chart's file, never in an argv,
// and --no-dump-schema keeps dbmate from running pg_dump with it on a command line.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { DBMATE_IN_POD, type LocalBinary } from './dbmate-binary.ts';
import { toolError } from './errors.ts';
import type { MigrationFile } from './migration-files.ts';
import type { PodSession } from './pod-session.ts';
import { APP_PASSWORD } from './pod-sql.ts';
import { collectOutput, execErrorLine, spawnOnTarget, type ExecOutput, type ExecTarget } from './target-spawn.ts';
import { sessionName } from './session-tag.ts';

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

/** Asked through the open session (psql's \! runs in the pod): no extra exec. */
export async function readPodFacts(session: PodSession): Promise<PodFacts> {
  const shell = await session.query(`\\! echo "arch $(uname -m)"; echo "dbmate $(sha256sum ${DBMATE_IN_POD} 2>/dev/null | cut -c1-64)"; true`);
  const field = (tag: string): string => shell.rows.find((r) => r.startsWith(`${tag} `))?.slice(tag.length + 1).trim() ?? '';
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
  const child = spawnOnTarget(t, ['sh', '-c', `cat > ${partial} && chmod 0700 ${partial} && mv -f ${partial} ${DBMATE_IN_POD} && sha256sum ${DBMATE_IN_POD}`], true);
  const output = collectOutput(child);
  createReadStream(local.path).pipe(child.stdin!);
  const { exitCode, stdout, stderr } = await output;
  // kubectl can exit 0 on a cut stream: only the checksum computed in the pod proves the copy.
  if (exitCode !== 0 || stdout.slice(0, 64) !== local.sha256) {
    throw toolError(`copying dbmate into ${t.where} failed (${exitCode !== 0 ? execErrorLine(stderr) : 'checksum differs after the copy'})`, 'run the migration again');
  }
  return true;
}

export type DbmateAction = { kind: 'migrate'; strict: boolean } | { kind: 'rollback'; steps: number };

/** The sh script sent on stdin: files as quoted here-documents (no expansion), then dbmate. */
export function driverScript(files: readonly MigrationFile[], action: DbmateAction, server: ServerSocket, dbmatePath = DBMATE_IN_POD): string {
  const delimiter = `PGK8S_${randomBytes(8).toString('hex')}`;
  const url = `postgres://\${POSTGRES_USER}@:${server.port}/\${POSTGRES_DATABASE:-$POSTGRES_USER}?socket=${encodeURIComponent(server.socketDir)}&sslmode=disable&application_name=${sessionName('migrate')}`;
  const dbmate = `'${dbmatePath.replace(/'/g, `'\\''`)}' --no-dump-schema --migrations-dir "$d"`;
  return [
    'd=$(mktemp -d /tmp/pgk8s-migrations.XXXXXX) || exit 97',
    'trap \'rm -rf "$d"\' EXIT',
    ...files.map((f) => `cat > "$d/${basename(f.path)}" <<'${delimiter}'\n${f.content.endsWith('\n') ? f.content : `${f.content}\n`}${delimiter}`),
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
}

/**
 * Starts `sh -s` in the pod before the script is ready: kubectl's start-up then overlaps with the
 * dbmate checks and copy. The shell waits on stdin until run() sends the script.
 */
export function startPodShell(t: ExecTarget): PodShell {
  const child = spawnOnTarget(t, ['sh', '-s'], true);
  const output = collectOutput(child);
  return {
    run(script) {
      child.stdin?.end(script);
      return output;
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
