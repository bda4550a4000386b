// --target auto (the default): a cluster when one is configured, else the local target, so the
// same command works on a laptop with no cluster and on a machine with one.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { usageError } from './errors.ts';

export type Target = 'kubernetes' | 'local';

/** kubectl's own rule for finding its configuration: KUBECONFIG's files, else ~/.kube/config. */
export function kubeconfigFound(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): boolean {
  const listed = env.KUBECONFIG;
  if (listed) return listed.split(delimiter).some((f) => f !== '' && existsSync(f));
  return existsSync(join(home, '.kube', 'config'));
}

/**
 * A named context means a cluster is meant even if its config is elsewhere. A KUBECONFIG that is set but
 * names no file that exists is a mistake to report, never a reason to fall back to the local target.
 */
export function chooseTarget(
  requested: string,
  o: { context?: string | undefined; env?: NodeJS.ProcessEnv; home?: string },
): Target {
  if (requested === 'local') return requested;
  const listed = (o.env ?? process.env).KUBECONFIG;
  if (listed && !kubeconfigFound(o.env, o.home)) {
    throw usageError(
      `KUBECONFIG names ${listed}, which does not exist`,
      "point KUBECONFIG at your cluster's config, or unset it (no kubeconfig at all means the local target)",
    );
  }
  if (requested === 'kubernetes') return requested;
  return o.context || kubeconfigFound(o.env, o.home) ? 'kubernetes' : 'local';
}

export const AUTO_LOCAL_NOTE =
  'no cluster configured (no KUBECONFIG, no ~/.kube/config): using the local target (--target kubernetes to insist ' +
  'on a cluster)';
