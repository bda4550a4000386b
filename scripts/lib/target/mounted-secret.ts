// The credentials Secret the running pod mounted. A pod keeps its mounted files when the Secret is
// deleted, so everything works until it restarts and cannot mount it (FailedMount). Noticed early, it
// can be put back from those very files.
import { mountedSecretName, type PodJson, type Problem } from '../cluster/diagnose.ts';
import type { Kubectl } from '../cluster/kubectl.ts';

const SECRETS_DIR = '/opt/bitnami/postgresql/secrets';

/** A command that recreates the Secret from the files the pod still has; the passwords never enter an argv. */
export function recreateSecretCommand(o: { namespace: string; pod: string; secret: string; context?: string }): string {
  const ctx = o.context ? ` --context ${o.context}` : '';
  const from = (key: string): string =>
    `--from-file=${key}=<(kubectl${ctx} exec -n ${o.namespace} ${o.pod} -c postgresql -- cat ${SECRETS_DIR}/${key})`;
  return (
    `kubectl${ctx} create secret generic ${o.secret} -n ${o.namespace} ${from('password')} ` +
    `${from('postgres-password')}`
  );
}

export async function secretMissingProblem(
  kubectl: Kubectl,
  o: { namespace: string; podName: string; context?: string | undefined; pod?: PodJson | null },
): Promise<Problem | null> {
  const pod = o.pod ?? ((await kubectl.getJson('pod', o.podName, o.namespace)) as PodJson | null);
  const secret = mountedSecretName(pod);
  if (!secret || (await kubectl.getJson('secret', secret, o.namespace))) return null;
  return {
    code: 'secret-missing',
    message:
      `Secret ${o.namespace}/${secret}, which ${o.podName} mounts, is gone: the pod runs on the files it mounted ` +
      'before, and will not start again once it restarts',
    fix: recreateSecretCommand({ namespace: o.namespace, pod: o.podName, secret, context: o.context }),
  };
}
