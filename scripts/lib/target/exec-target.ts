// Where a task's in-pod commands run, found and checked ready, with a clear error if not: the
// database pod (kubectl exec), or the local target's server with the pod's environment reproduced.
import { delimiter, resolve } from 'node:path';
import type { ToolConfig } from '../cluster/tools.ts';
import { createClusterTools } from '../cluster/tools.ts';
import type { PodJson } from '../cluster/diagnose.ts';
import { toolError } from '../cli/errors.ts';
import { kubectlBaseArgs } from '../cluster/kubectl.ts';
import {
  localPaths,
  readLocalState,
  serverStatus,
  shownPath,
  type LocalPaths,
  type LocalState,
} from './local-server.ts';
import { podName } from './pod-health.ts';
import type { ExecTarget, LocalTarget } from './spawn.ts';

export type TargetConfig = ToolConfig & { namespace: string; release: string; target: string; localDir: string };

export const LOCAL_DEPLOY = 'npm run -s db:deploy';

/** "the local server (.data)": the directory as the user would type it. */
export function localWhere(dir: string): string {
  return `the local server (${shownPath(dir)})`;
}

/** The pod's variables, pointing at the local files; nothing libpq reads is inherited (PGHOST, PGPASSWORD…). */
export function localEnv(p: LocalPaths, s: LocalState, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const kept = Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('PG'));
  return {
    ...Object.fromEntries(kept),
    PATH: `${s.binDir}${delimiter}${env.PATH ?? ''}`,
    PGHOST: p.socketDir,
    PGPORT: String(s.port),
    POSTGRES_USER: s.user,
    POSTGRES_DATABASE: s.database,
    POSTGRES_PASSWORD_FILE: p.appPasswordFile,
    POSTGRES_POSTGRES_PASSWORD_FILE: p.adminPasswordFile,
    POSTGRESQL_VOLUME_DIR: p.dataDir,
  };
}

export function localTarget(p: LocalPaths, s: LocalState): LocalTarget {
  return { kind: 'local', env: localEnv(p, s), where: localWhere(p.dir), dir: p.dir };
}

/** Throws "not deployed" with the deploy command when there is no local server; `job` names what did not start. */
export function execTarget(cfg: TargetConfig, job: string): ExecTarget {
  if (cfg.target === 'local') {
    const p = localPaths(resolve(cfg.localDir));
    const s = readLocalState(p);
    if (!s)
      throw toolError(
        `no local server in ${shownPath(p.dir)} (is PostgreSQL deployed?); the ${job} did not start`,
        LOCAL_DEPLOY,
      );
    return localTarget(p, s);
  }
  const pod = podName(cfg.release);
  return {
    kind: 'pod',
    bin: cfg.kubectl,
    baseArgs: kubectlBaseArgs({ context: cfg.context }),
    namespace: cfg.namespace,
    pod,
    where: `${cfg.namespace}/${pod}`,
  };
}

/** How to get more room for the data, where it lives. */
export function storageFix(t: ExecTarget): string {
  return t.kind === 'pod'
    ? `kubectl edit pvc data-${t.pod} -n ${t.namespace}`
    : `free space on the disk that holds ${shownPath(t.dir)}`;
}

/** Throws "not found" / "not Ready" (a stopped local server) with the command that helps. */
export async function assertTargetReady(cfg: TargetConfig, t: ExecTarget, job: string): Promise<void> {
  if (t.kind === 'local') {
    const status = serverStatus(localPaths(t.dir));
    if (status.state === 'absent')
      throw toolError(
        `${t.where} has no data directory (is PostgreSQL deployed?); the ${job} did not start`,
        LOCAL_DEPLOY,
      );
    if (status.state === 'stopped')
      throw toolError(`${t.where} is not running; the ${job} did not start`, LOCAL_DEPLOY);
    return;
  }
  const { kubectl } = createClusterTools(cfg);
  const json = (await kubectl.getJson('pod', t.pod, t.namespace)) as PodJson | null;
  if (!json)
    throw toolError(
      `pod ${t.where} not found (is PostgreSQL deployed?); the ${job} did not start`,
      'npm run -s db:deploy',
    );
  if (!json.status?.containerStatuses?.some((c) => c.ready))
    throw toolError(`pod ${t.where} is not Ready; the ${job} did not start`, 'npm run -s db:verify');
}
