// deploy --target local: a PostgreSQL server on this machine under --local-dir, with the database,
// users and generated passwords a cluster deploy makes. Again = reuse what is there (start it if
// stopped). The steps are in local-setup.ts; --uninstall is local-uninstall.ts.
import { markCreated, missing } from './local-created.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { appUrl, SECRET_KEYS } from '../cluster/app-connection.ts';
import { toolError, usageError } from '../cli/errors.ts';
import { localTarget } from '../target/exec-target.ts';
import { findPostgresBinaries } from '../target/local-binaries.ts';
import {
  binDirStillThere,
  dataMajor,
  freePort,
  localPaths,
  shownPath,
  readLocalState,
  serverStatus,
  serverUser,
  startServer,
  writeLocalState,
  type LocalPaths,
  type LocalState,
} from '../target/local-server.ts';
import { appQueryCommand } from '../target/pod-sql.ts';
import {
  assertReachable,
  ensureRoleAndDatabase,
  initDataDir,
  makeServerDirs,
  runOnTarget,
  selectOneAsApp,
  writeSecrets,
} from './local-setup.ts';
import { registerSecret } from '../cli/redact.ts';
import type { LocalTarget } from '../target/spawn.ts';

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

function connection(p: LocalPaths, s: LocalState, showSecrets: boolean): Record<string, unknown> {
  const password = showSecrets ? readFileSync(p.appPasswordFile, 'utf8').trim() : '****';
  return {
    url: appUrl({ user: s.user, password, host: '127.0.0.1', port: s.port, database: s.database }, showSecrets),
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
      `the local server in ${shownPath(p.dir)} was made for database ${state.database} and user ${state.user}, not ` +
        `${cfg.database} and ${cfg.user}; nothing changed`,
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
    markCreated(p, missing([p.stateFile, p.logFile]));
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
          `credentials: ${shownPath(p.secretsDir)}/ (${SECRET_KEYS.user}, ${SECRET_KEYS.admin}; mode ` +
            `0600)${secretCreated ? ', generated now' : ''}`,
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
