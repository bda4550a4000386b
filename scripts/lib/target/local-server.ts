// The local target's PostgreSQL server: where its files live under --local-dir, who runs it, and
// whether it runs. The server programs run as an unprivileged user (PostgreSQL refuses root); the
// password files stay with the user who deployed (0600), as a Secret stays in the cluster.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { portFree } from '../cli/tcp-port.ts';
import { tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';
import { toolError } from '../cli/errors.ts';
import { LOCAL_PROGRAMS } from './local-binaries.ts';
import { runProcess } from '../cli/process-runner.ts';
import { shQuote } from '../cli/sh-quote.ts';

/** A path as the user would type it from the project: `.data/pgdata`. */
export const shownPath = (p: string): string => relative(process.cwd(), p) || '.';

export interface LocalPaths {
  dir: string;
  dataDir: string;
  socketDir: string;
  logDir: string;
  logFile: string;
  secretsDir: string;
  appPasswordFile: string;
  adminPasswordFile: string;
  stateFile: string;
}

/** A Unix socket path must fit in sun_path (104 bytes on macOS, 108 on Linux). */
const SOCKET_PATH_MAX = 100;

export function localPaths(dir: string): LocalPaths {
  const inDir = join(dir, 'run');
  // ".s.PGSQL.65535" is 14 characters plus the slash.
  const socketDir =
    inDir.length + 15 <= SOCKET_PATH_MAX
      ? inDir
      : join(tmpdir(), `pgk8s-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  const secretsDir = join(dir, 'secrets');
  return {
    dir,
    dataDir: join(dir, 'pgdata'),
    socketDir,
    logDir: join(dir, 'log'),
    logFile: join(dir, 'log', 'server.log'),
    secretsDir,
    // The chart's key names: the same files the pod mounts.
    appPasswordFile: join(secretsDir, 'password'),
    adminPasswordFile: join(secretsDir, 'postgres-password'),
    stateFile: join(dir, 'server.json'),
  };
}

/** What deploy decided, for every later command. */
export interface LocalState {
  port: number;
  database: string;
  user: string;
  major: number;
  binDir: string;
  serverUser: string;
}

export function readLocalState(p: LocalPaths): LocalState | null {
  try {
    return JSON.parse(readFileSync(p.stateFile, 'utf8')) as LocalState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw toolError(
      `cannot read ${p.stateFile}: ${(err as Error).message}`,
      'run npm run -s db:deploy again, or remove the file to start over',
    );
  }
}

export function writeLocalState(p: LocalPaths, s: LocalState): void {
  writeFileSync(`${p.stateFile}.tmp`, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${p.stateFile}.tmp`, p.stateFile);
}

export interface ServerUser {
  name: string;
  /** Set when the programs must run as another user (we are root). */
  switchTo?: { uid: number; gid: number };
}

/** Ourselves, or `postgres` when we are root. */
export function serverUser(): ServerUser {
  if (process.getuid?.() !== 0) return { name: userInfo().username };
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!uid || !gid) {
    throw toolError(
      'PostgreSQL refuses to run as root, and there is no "postgres" user to run the local server',
      'create one (useradd --system --user-group postgres) or run as a normal user',
    );
  }
  return { name: 'postgres', switchTo: { uid, gid } };
}

export type ServerStatus =
  | { state: 'absent' }
  | { state: 'stopped' }
  | { state: 'running'; pid: number; port: number; ready: boolean };

/** From the data directory alone: no process is started to ask. */
export function serverStatus(p: LocalPaths): ServerStatus {
  if (!existsSync(join(p.dataDir, 'PG_VERSION'))) return { state: 'absent' };
  let lines: string[];
  try {
    lines = readFileSync(join(p.dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return { state: 'stopped' };
  }
  const pid = Number(lines[0]);
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but another user's (never the case for root, the only one that switches users).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return { state: 'stopped' };
  }
  // Line 8 of postmaster.pid is the postmaster's status; "ready" once it accepts connections.
  return { state: 'running', pid, port: Number(lines[3]), ready: (lines[7] ?? '').trim() === 'ready' };
}

export function dataMajor(p: LocalPaths): number | undefined {
  try {
    return Number(readFileSync(join(p.dataDir, 'PG_VERSION'), 'utf8').trim());
  } catch {
    return undefined;
  }
}

export function binDirStillThere(binDir: string): boolean {
  return LOCAL_PROGRAMS.every((prog) => existsSync(join(binDir, prog)));
}

/** `preferred` when free, else the first free port from 5432 up. */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred && (await portFree(preferred))) return preferred;
  for (let port = 5432; port < 5632; port++) if (port !== preferred && (await portFree(port))) return port;
  throw toolError(
    'no free TCP port between 5432 and 5631 on 127.0.0.1 for the local server',
    'stop a PostgreSQL you do not need, then deploy again',
  );
}

/** The server programs as the server user, with libpq's variables from our environment left out. */
export async function runServerProgram(
  binDir: string,
  program: string,
  args: string[],
  user: ServerUser,
  timeoutMs = 120_000,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('PG'))
      .map((k) => [k, undefined]),
  );
  return runProcess(join(binDir, program), args, {
    env: { ...env, LC_ALL: 'C' },
    toolName: program,
    timeoutMs,
    user: user.switchTo,
  });
}

/** pg_ctl start, waiting until the server accepts connections. */
export async function startServer(p: LocalPaths, s: LocalState, user: ServerUser): Promise<void> {
  // pg_ctl hands -o to a shell: paths are quoted for it.
  const options = `-p ${s.port} -h 127.0.0.1 -k ${shQuote(p.socketDir)}`;
  const r = await runServerProgram(
    s.binDir,
    'pg_ctl',
    ['start', '-D', p.dataDir, '-l', p.logFile, '-w', '-t', '60', '-s', '-o', options],
    user,
  );
  if (r.exitCode !== 0) {
    const log = lastLogLines(p, 3);
    throw toolError(
      `the local server did not start (pg_ctl exit ${r.exitCode}): ${(r.stderr.trim() || log).split('\n').at(-1)}`,
      `read ${shownPath(p.logFile)}`,
    );
  }
}

export async function stopServer(p: LocalPaths, s: LocalState, user: ServerUser): Promise<void> {
  const r = await runServerProgram(
    s.binDir,
    'pg_ctl',
    ['stop', '-D', p.dataDir, '-m', 'fast', '-w', '-t', '60', '-s'],
    user,
  );
  if (r.exitCode !== 0 && serverStatus(p).state === 'running') {
    throw toolError(
      `the local server did not stop (pg_ctl exit ${r.exitCode}): ${r.stderr.trim().split('\n').at(-1) ?? ''}`,
      `read ${shownPath(p.logFile)}`,
    );
  }
}

export function lastLogLines(p: LocalPaths, n: number): string {
  try {
    return readFileSync(p.logFile, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no server log)';
  }
}
