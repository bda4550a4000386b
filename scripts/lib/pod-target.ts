// The database pod as a target for kubectl exec, found and checked Ready, with a clear error if not.
import type { ToolConfig } from './cluster-tools.ts';
import { createClusterTools } from './cluster-tools.ts';
import type { PodJson } from './diagnose.ts';
import { toolError } from './errors.ts';
import { kubectlBaseArgs } from './kubectl.ts';
import { podName } from './pod-health.ts';
import type { ExecTarget } from './pod-spawn.ts';

export function execTarget(cfg: ToolConfig & { namespace: string; release: string }): ExecTarget {
  return { bin: cfg.kubectl, baseArgs: kubectlBaseArgs({ context: cfg.context }), namespace: cfg.namespace, pod: podName(cfg.release) };
}

/** Throws "not found" / "not Ready" with the command that helps; `job` names what did not start. */
export async function assertPodReady(cfg: ToolConfig & { namespace: string; release: string }, job: string): Promise<void> {
  const { kubectl } = createClusterTools(cfg);
  const pod = podName(cfg.release);
  const json = (await kubectl.getJson('pod', pod, cfg.namespace)) as PodJson | null;
  if (!json) throw toolError(`pod ${cfg.namespace}/${pod} not found (is PostgreSQL deployed?); the ${job} did not start`, 'npm run -s db:deploy');
  if (!json.status?.containerStatuses?.some((c) => c.ready)) throw toolError(`pod ${cfg.namespace}/${pod} is not Ready; the ${job} did not start`, 'npm run -s db:verify');
}
