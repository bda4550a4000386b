// Checks before deploy changes anything: names, tools (versions), cluster reachable, storage.
import { usageError, toolError } from '../cli/errors.ts';
import { checkKubernetesNames } from '../cli/kube-names.ts';
import type { Helm } from './helm.ts';
import { currentContextArgs, getArgs, kubectlFailureError, type Kubectl } from './kubectl.ts';
import { parseJsonStdout } from '../cli/process-runner.ts';

const SQL_NAME = /^[a-z_][a-z0-9_]*$/;

/** Kubernetes and PostgreSQL naming rules, checked before any call. */
export function checkNames(o: {
  namespace: string;
  release: string;
  secret?: string | undefined;
  database: string;
  user: string;
}): void {
  checkKubernetesNames(o);
  for (const [what, value, flag] of [
    ['database', o.database, '--database'],
    ['user', o.user, '--user'],
  ] as const) {
    if (!SQL_NAME.test(value) || value.length > 63 || value === 'postgres') {
      throw usageError(
        `${what} "${value}" is not usable (lower-case letters, digits, "_", not "postgres")`,
        `pass e.g. ${flag} learnflow`,
      );
    }
  }
}

export interface ClusterFacts {
  kubectlVersion: string;
  serverVersion: string;
  helmVersion: string;
  helmMajor: number;
  context: string;
  storageClass: string;
  /** StorageClasses whose claims may grow (allowVolumeExpansion: true). */
  expandableClasses: string[];
}

interface VersionJson {
  clientVersion?: { gitVersion?: string };
  serverVersion?: { gitVersion?: string };
}

interface StorageClassList {
  items: Array<{ metadata: { name: string; annotations?: Record<string, string> }; allowVolumeExpansion?: boolean }>;
}

export async function checkCluster(o: {
  kubectl: Kubectl;
  helm: Helm;
  context?: string | undefined;
  storageClass?: string | undefined;
}): Promise<ClusterFacts> {
  const context = o.context ?? (await currentContext(o.kubectl));
  const version = await o.kubectl.run(['version', '-o', 'json', '--request-timeout=5s']);
  if (version.exitCode !== 0) throw kubectlFailureError(version, { context, what: 'version' });
  const v = parseJsonStdout(version, 'kubectl version') as VersionJson;
  const helm = await o.helm.version();
  const scs = await o.kubectl.run(getArgs('storageclass', undefined, { output: 'json' }));
  if (scs.exitCode !== 0) throw kubectlFailureError(scs, { context, what: 'get storageclass' });
  const items = (parseJsonStdout(scs, 'kubectl get storageclass') as StorageClassList).items;
  const names = items.map((i) => i.metadata.name);
  let storageClass: string;
  if (o.storageClass) {
    if (!names.includes(o.storageClass)) {
      throw usageError(
        `StorageClass "${o.storageClass}" does not exist in context "${context}" (there: ` +
          `${names.join(', ') || 'none'})`,
        names.length
          ? `set STORAGE_CLASS to one of: ${names.join(', ')}`
          : 'minikube addons enable default-storageclass storage-provisioner',
      );
    }
    storageClass = o.storageClass;
  } else {
    const def = items.find((i) => i.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
    if (!def) {
      throw toolError(
        `no default StorageClass in context "${context}", so the data volume would stay Pending`,
        `minikube addons enable default-storageclass storage-provisioner, or set ` +
          `STORAGE_CLASS${names.length ? ` (one of: ${names.join(', ')})` : ''}`,
      );
    }
    storageClass = def.metadata.name;
  }
  return {
    kubectlVersion: v.clientVersion?.gitVersion ?? 'unknown',
    serverVersion: v.serverVersion?.gitVersion ?? 'unknown',
    helmVersion: helm.raw,
    helmMajor: helm.major,
    context,
    storageClass,
    expandableClasses: items.filter((i) => i.allowVolumeExpansion === true).map((i) => i.metadata.name),
  };
}

async function currentContext(kubectl: Kubectl): Promise<string> {
  const r = await kubectl.run(currentContextArgs());
  if (r.exitCode !== 0) {
    throw toolError(
      'kubectl has no current context',
      'point kubectl at a cluster (e.g. "minikube start"), or pass --context',
    );
  }
  return r.stdout.trim();
}
