// deploy --target local: a PostgreSQL server on this machine under --local-dir, with the database,
// users and generated passwords a cluster deploy makes. Again = reuse what is there (start it if
// stopped); --uninstall stops it, keeping the data unless --delete-data --yes.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { generatePassword, SECRET_KEYS } from './credentials.ts';
import { notOkError, toolError, usageError } from '../cli/errors.ts';
import { localTarget } from '../target/exec-target.ts';
import { findPostgresBinaries, type PostgresBinaries } from '../target/local-binaries.ts';
import {
  binDirStillThere,
  dataMajor,
  freePort,
  localPaths,
  shownPath,
  readLocalState,
  runServerProgram,
  serverStatus,
  serverUser,
  startServer,
  stopServer,
  writeLocalState,
  type LocalPaths,
  type LocalState,
  type ServerUser,
} from '../target/local-server.ts';
import { appQueryCommand } from '../target/pod-sql.ts';
import { maskConnectionString, registerSecret } from '../cli/redact.ts';
import { collectOutput, execErrorLine, spawnOnTarget, type LocalTarget } from '../target/spawn.ts';

export interface LocalDeployConfig {
  localDir: string;
  database: string;
  user: string;
  showSecrets: boolean;
  dryRun: boolean;
  uninstall: boolean;
  deleteData: boolean;
  yes: boolean;
}

/** What deploy.ts reports: the same keys as a cluster deploy, cluster-only ones null. */
export interface LocalDeployReport {
  status: 'deployed' | 'started' | 'up-to-date' | 'dry-run';
  lines: string[];
  verdict: string;
  result: Record<string, unknown>;
}

/** The app user and database, created once with the generated password; the password is read by psql itself. */
const ROLE_SQL = `\\set pw \`cat "$POSTGRES_PASSWORD_FILE"\`
select not exists (select from pg_roles where rolname = :'user') as need_role \\gset
\\if :need_role
create role :"user" login password :'pw';
\\endif
select not exists (select from pg_database where datname = :'db') as need_db \\gset
\\if :need_db
create database :"db" owner :"user";
\\endif
`;

async function runOnTarget(
  t: LocalTarget,
  command: string[],
  input?: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const child = spawnOnTarget(t, command, input !== undefined);
  const output = collectOutput(child);
  child.stdin?.end(input);
  return output;
}

async function ensureRoleAndDatabase(t: LocalTarget): Promise<void> {
  const r = await runOnTarget(
    t,
    [
      'sh',
      '-c',
      'export PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")"; exec psql -X -w -U postgres -d postgres -v ON_ERROR_STOP=1 -q -v user="$POSTGRES_USER" -v db="$POSTGRES_DATABASE" -f -',
    ],
    ROLE_SQL,
  );
  if (r.exitCode !== 0)
    throw toolError(
      `creating the app user and database failed: ${execErrorLine(r.stderr)}`,
      `read ${shownPath(localPaths(t.dir).logFile)}`,
    );
}

async function selectOneAsApp(t: LocalTarget): Promise<void> {
  const r = await runOnTarget(t, appQueryCommand('select 1'));
  if (r.exitCode !== 0 || r.stdout.trim() !== '1') {
    throw notOkError(
      `${t.where} runs, but SELECT 1 as the app user failed: ${execErrorLine(r.stderr)}`,
      'npm run -s db:verify',
    );
  }
}

/** Directories the server user owns; the parent must let it through. */
function makeServerDirs(p: LocalPaths, user: ServerUser): void {
  mkdirSync(p.dir, { recursive: true, mode: user.switchTo ? 0o755 : 0o700 });
  if (user.switchTo) chmodSync(p.dir, 0o755);
  for (const dir of [p.dataDir, p.logDir, p.socketDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (user.switchTo) chownSync(dir, user.switchTo.uid, user.switchTo.gid);
  }
}

/** New passwords for a new data directory (any older files belonged to no data: an interrupted first deploy). */
function writeSecrets(p: LocalPaths): { admin: string; app: string } {
  mkdirSync(p.secretsDir, { recursive: true, mode: 0o700 });
  const admin = generatePassword();
  const app = generatePassword();
  for (const [file, value] of [
    [p.adminPasswordFile, admin],
    [p.appPasswordFile, app],
  ] as const) {
    rmSync(file, { force: true });
    writeFileSync(file, value, { mode: 0o600, flag: 'wx' });
  }
  return { admin, app };
}

/** initdb with the generated superuser password, handed over in a file only the server user can read. */
async function initDataDir(
  p: LocalPaths,
  bins: PostgresBinaries,
  user: ServerUser,
  adminPassword: string,
): Promise<void> {
  const pwfile = resolve(p.logDir, '.initdb-pwfile');
  writeFileSync(pwfile, adminPassword, { mode: 0o600 });
  try {
    if (user.switchTo) chownSync(pwfile, user.switchTo.uid, user.switchTo.gid);
    const r = await runServerProgram(
      bins.binDir,
      'initdb',
      [
        '-D',
        p.dataDir,
        '-U',
        'postgres',
        `--pwfile=${pwfile}`,
        '-E',
        'UTF8',
        '--locale=C',
        '--auth-local=scram-sha-256',
        '--auth-host=scram-sha-256',
      ],
      user,
    );
    if (r.exitCode !== 0) {
      const why =
        r.stderr
          .trim()
          .split('\n')
          .find((l) => l.startsWith('initdb: error')) ?? execErrorLine(r.stderr);
      const fix = /Permission denied/.test(why)
        ? `the server runs as ${user.name}: give it access to every directory above ${shownPath(p.dir)}, or pass --local-dir elsewhere`
        : `read the error above; then npm run -s db:deploy`;
      throw toolError(`initdb failed: ${why}`, fix);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The server user must reach the directory: a home directory of mode 0700 stops it. */
function assertReachable(p: LocalPaths, user: ServerUser): void {
  if (!user.switchTo) return;
  let existing = p.dir;
  while (!existsSync(existing)) existing = dirname(existing);
  if (spawnSync('test', ['-x', existing], { ...user.switchTo, stdio: 'ignore' }).status !== 0)
    throw usageError(
      `the local server runs as ${user.name}, which cannot enter ${p.dir} (a directory above it is private)`,
      `pass --local-dir (DB_LOCAL_DIR) a directory ${user.name} can reach, e.g. /var/tmp/learnflow-db`,
    );
}

function connection(p: LocalPaths, s: LocalState, showSecrets: boolean): Record<string, unknown> {
  const password = showSecrets ? readFileSync(p.appPasswordFile, 'utf8').trim() : '****';
  const url = `postgresql://${s.user}:${password}@127.0.0.1:${s.port}/${s.database}`;
  return {
    url: showSecrets ? url : maskConnectionString(url),
    host: '127.0.0.1',
    port: s.port,
    database: s.database,
    user: s.user,
    secret: shownPath(p.secretsDir),
    secretKeys: { user: SECRET_KEYS.user, admin: SECRET_KEYS.admin },
    portForward: null,
  };
}

export async function deployLocal(cfg: LocalDeployConfig): Promise<LocalDeployReport> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  let t0 = started;
  const phase = (name: string): void => {
    timings[name] = Math.round(performance.now() - t0);
    t0 = performance.now();
  };
  const p = localPaths(resolve(cfg.localDir));
  const user = serverUser();
  const existing = serverStatus(p);
  let state = readLocalState(p);
  if (existing.state !== 'absent' && !state) {
    throw toolError(
      `${shownPath(p.dataDir)} holds a data directory but ${shownPath(p.stateFile)} is missing`,
      'npm run -s db:deploy -- --uninstall --delete-data --yes, then deploy again (the data is lost)',
    );
  }
  if (existing.state === 'absent' && existsSync(p.dataDir) && readdirSync(p.dataDir).length) {
    throw toolError(
      `${shownPath(p.dataDir)} is not empty but holds no PostgreSQL data directory`,
      `move it away, then npm run -s db:deploy`,
    );
  }
  if (state && (state.database !== cfg.database || state.user !== cfg.user)) {
    throw usageError(
      `the local server in ${shownPath(p.dir)} was made for database ${state.database} and user ${state.user}, not ${cfg.database} and ${cfg.user}; nothing changed`,
      `deploy with --database ${state.database} --user ${state.user}, or start over: --uninstall --delete-data --yes`,
    );
  }
  const bins =
    state && binDirStillThere(state.binDir)
      ? { binDir: state.binDir, major: state.major, version: '' }
      : findPostgresBinaries(dataMajor(p));
  phase('preflight');

  if (cfg.dryRun) {
    const plan =
      existing.state === 'absent'
        ? `initialise ${shownPath(p.dataDir)} (PostgreSQL ${bins.major}, ${bins.binDir}) and start it`
        : existing.state === 'stopped'
          ? `start the server of ${shownPath(p.dataDir)}`
          : 'nothing: it runs';
    return {
      status: 'dry-run',
      lines: [`plan: ${plan}`],
      verdict: 'dry run: nothing changed',
      result: {
        ok: true,
        status: 'dry-run',
        ...emptyClusterKeys(),
        tools: {
          postgres: bins.version || null,
          binDir: bins.binDir,
          serverUser: user.name,
          dataDir: shownPath(p.dataDir),
        },
        connection: null,
        plan: { action: plan },
      },
    };
  }

  let secretCreated = false;
  if (existing.state === 'absent') {
    assertReachable(p, user);
    makeServerDirs(p, user);
    const passwords = writeSecrets(p);
    registerSecret(passwords.admin);
    registerSecret(passwords.app);
    secretCreated = true;
    await initDataDir(p, bins, user, passwords.admin);
    phase('initdb');
  }
  const status = existing.state === 'running' ? 'up-to-date' : existing.state === 'stopped' ? 'started' : 'deployed';
  if (existing.state !== 'running') {
    makeServerDirs(p, user); // the socket directory may live in a temporary directory that was cleaned
    const port = await freePort(state?.port);
    state = {
      port,
      database: cfg.database,
      user: cfg.user,
      major: bins.major,
      binDir: bins.binDir,
      serverUser: user.name,
    };
    writeLocalState(p, state);
    await startServer(p, state, user);
    phase('start');
  } else if (state && existing.port !== state.port) {
    state = { ...state, port: existing.port };
    writeLocalState(p, state);
  }
  const t = localTarget(p, state!);
  await ensureRoleAndDatabase(t);
  await selectOneAsApp(t);
  phase('ready');

  const conn = connection(p, state!, cfg.showSecrets);
  const durationMs = Math.round(performance.now() - started);
  const version = await serverVersion(t);
  // The keys of a cluster deploy's answer for the same status: "deployed" also says what it took.
  const tools = {
    postgres: version,
    binDir: state!.binDir,
    serverUser: state!.serverUser,
    dataDir: shownPath(p.dataDir),
  };
  const result =
    status === 'up-to-date'
      ? { ok: true, status, ...emptyClusterKeys(), tools, connection: conn, changes: [] }
      : {
          ok: true,
          status,
          ...emptyClusterKeys(),
          tools,
          connection: conn,
          secretCreated,
          changes: [],
          timings,
          durationMs,
        };
  const where = `${shownPath(p.dir)} (port ${state!.port}, PostgreSQL ${version})`;
  const lines =
    status === 'up-to-date'
      ? [`DATABASE_URL=${conn.url}`]
      : [
          `${status} the local server in ${where} (${(durationMs / 1000).toFixed(1)}s)`,
          `DATABASE_URL=${conn.url}`,
          `credentials: ${shownPath(p.secretsDir)}/ (${SECRET_KEYS.user}, ${SECRET_KEYS.admin}; mode 0600)${secretCreated ? ', generated now' : ''}`,
        ];
  const verdict =
    status === 'up-to-date'
      ? `already deployed, up to date and usable: the local server in ${where}; nothing to do`
      : `ready: SELECT 1 as ${state!.user} succeeded`;
  return { status, lines, verdict, result };
}

async function serverVersion(t: LocalTarget): Promise<string> {
  const r = await runOnTarget(t, appQueryCommand("select current_setting('server_version')"));
  return r.stdout.trim().split(' ')[0] || 'unknown';
}

/** A cluster deploy's keys that mean nothing here: present, so both targets share one JSON shape. */
function emptyClusterKeys(): Record<string, null> {
  return { release: null, namespace: null, context: null, chart: null };
}

export interface LocalUninstallReport {
  status: 'uninstalled' | 'nothing-to-do';
  deleted: string[];
  kept: string[];
  stopped: boolean;
}

/** Stops the server; deletes only what deploy made (never the whole --local-dir blindly). */
export async function uninstallLocal(cfg: LocalDeployConfig): Promise<LocalUninstallReport> {
  const p = localPaths(resolve(cfg.localDir));
  const owned = [p.dataDir, p.secretsDir, p.logDir, p.socketDir, p.stateFile].filter((f) => existsSync(f));
  if (cfg.deleteData && !cfg.yes) {
    throw usageError(
      `--delete-data would destroy ${shownPath(p.dataDir)} and its passwords in ${shownPath(p.secretsDir)}`,
      'add --yes to confirm, or drop --delete-data to keep the data',
    );
  }
  const state = readLocalState(p);
  const running = serverStatus(p).state === 'running';
  if (running) {
    if (!state)
      throw toolError(
        `the server of ${shownPath(p.dataDir)} runs but ${shownPath(p.stateFile)} is missing`,
        `stop it by hand: pg_ctl stop -D ${p.dataDir}`,
      );
    await stopServer(p, state, serverUser());
  }
  if (!cfg.deleteData) {
    return {
      status: running ? 'uninstalled' : 'nothing-to-do',
      deleted: [],
      kept: [p.dataDir, p.secretsDir].filter((f) => existsSync(f)).map(shownPath),
      stopped: running,
    };
  }
  for (const f of owned) rmSync(f, { recursive: true, force: true });
  try {
    if (!readdirSync(p.dir).length) rmSync(p.dir, { recursive: true });
  } catch {
    // already gone
  }
  return {
    status: running || owned.length ? 'uninstalled' : 'nothing-to-do',
    deleted: owned.map(shownPath),
    kept: [],
    stopped: running,
  };
}
