// verify for the local target: the infrastructure checks are this machine's (data directory, server
// process, port); the database checks are the pod's probe, run with the pod's environment here.
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { localTarget } from '../target/exec-target.ts';
import { assessProbe, type Finding, type ProbeHints } from './health-assessment.ts';
import { localMigrations, riskyMigrations, type HealthReport } from './health-check.ts';
import { parseProbeOutput, probeCommand } from './health-probe.ts';
import {
  lastLogLines,
  localPaths,
  readLocalState,
  serverStatus,
  shownPath,
  type LocalPaths,
  type LocalState,
} from '../target/local-server.ts';
import { collectOutput, spawnOnTarget } from '../target/spawn.ts';

function localProbeHints(p: LocalPaths, s: LocalState): ProbeHints {
  return {
    adminPsql: `PGPASSWORD="$(cat ${shownPath(p.adminPasswordFile)})" psql -h ${p.socketDir} -p ${s.port} -U postgres`,
    growVolume: `free space on the disk that holds ${shownPath(p.dataDir)}`,
    logs: `read ${shownPath(p.logFile)}`,
    passwordStore: shownPath(p.appPasswordFile),
  };
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 2000 });
    const finish = (open: boolean): void => {
      socket.destroy();
      done(open);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
  });
}

export async function checkLocalHealth(o: { localDir: string; migrationsDir: string }): Promise<HealthReport> {
  const p = localPaths(resolve(o.localDir));
  const s = readLocalState(p);
  const status = serverStatus(p);
  const none = { problems: [], warnings: [], details: {} };
  if (!s || status.state === 'absent') {
    return {
      status: 'not-deployed',
      missing: { part: 'server', message: `no local server in ${shownPath(p.dir)}`, fix: 'npm run -s db:deploy' },
      ...none,
    };
  }
  const problem = (f: Finding): HealthReport => ({ status: 'unhealthy', problems: [f], warnings: [], details: {} });
  if (status.state === 'stopped') {
    const last = lastLogLines(p, 1);
    return problem({
      code: 'server-stopped',
      message: `the local server of ${shownPath(p.dataDir)} is not running (last log line: ${last})`,
      fix: 'npm run -s db:deploy',
    });
  }
  if (!status.ready) {
    return problem({
      code: 'server-starting',
      message: `the local server (pid ${status.pid}) is starting or shutting down`,
      fix: 'npm run -s db:verify -- --wait 30s',
    });
  }
  if (!(await tcpOpen(s.port))) {
    return problem({
      code: 'port-closed',
      message:
        `nothing accepts connections on 127.0.0.1:${s.port}, the port in ${shownPath(p.stateFile)} (the ` +
        `server says ${status.port})`,
      fix: 'npm run -s db:deploy -- --uninstall, then npm run -s db:deploy',
    });
  }
  const child = spawnOnTarget(localTarget(p, s), probeCommand(), false);
  const { stdout } = await collectOutput(child);
  const assessed = assessProbe(parseProbeOutput(stdout), {
    hints: localProbeHints(p, s),
    localMigrations: localMigrations(o.migrationsDir),
    riskyMigrations: await riskyMigrations(o.migrationsDir),
    migrationsDir: o.migrationsDir,
  });
  return {
    status: assessed.problems.length ? 'unhealthy' : 'healthy',
    problems: assessed.problems,
    warnings: assessed.warnings,
    details: { ...assessed.details, server: { pid: status.pid, port: s.port, dataDir: shownPath(p.dataDir) } },
  };
}
