// Remove the release; the data volume and the credentials Secret stay unless asked, with --yes.
import { chartNames } from '../cluster/chart-names.ts';
import { usageError } from '../cli/errors.ts';
import { deleteArgs, kubectlFailureError, type Kubectl } from '../cluster/kubectl.ts';
import { helmFailureError, uninstallArgs, type Helm } from '../cluster/helm.ts';
import { deleteClaim } from './claim-deletion.ts';

/** The user's choices undeploy needs, from deploy's config. */
export function undeployChoices(cfg: {
  deleteData: boolean;
  yes: boolean;
  dryRun: boolean;
  timeout: number;
  context?: string;
}) {
  const { deleteData, yes, dryRun } = cfg;
  return { deleteData, yes, dryRun, timeoutMs: cfg.timeout, userContext: cfg.context };
}

export interface UndeployResult {
  release: 'uninstalled' | 'absent';
  deleted: string[];
  kept: string[];
  /** --dry-run: nothing was touched; what would be deleted (kept lists what would stay). */
  dryRun?: { wouldUninstall: boolean; wouldDelete: string[] };
}

export async function undeploy(
  helm: Helm,
  kubectl: Kubectl,
  o: {
    release: string;
    namespace: string;
    secret: string;
    context: string;
    /** The --context the user gave, for the fixes we print. */
    userContext?: string;
    timeoutMs: number;
    deleteData: boolean;
    yes: boolean;
    releasePresent: boolean;
    dryRun: boolean;
  },
): Promise<UndeployResult> {
  const { pvc } = chartNames(o.release);
  if (o.dryRun) return planUndeploy(kubectl, o, pvc);
  if (o.deleteData && !o.yes) {
    throw usageError(
      `--delete-data would destroy volume ${o.namespace}/${pvc} and Secret ${o.secret}`,
      'add --yes to confirm, or drop --delete-data to keep the data',
    );
  }
  let release: UndeployResult['release'] = 'absent';
  if (o.releasePresent) {
    const r = await helm.run(uninstallArgs(o.release, o.namespace));
    if (r.exitCode !== 0) throw helmFailureError(r, { what: 'uninstall', release: o.release, namespace: o.namespace });
    release = 'uninstalled';
  }
  const targets: Array<[string, string]> = [
    ['pvc', pvc],
    ['secret', o.secret],
  ];
  if (!o.deleteData) return { release, deleted: [], kept: targets.map(([k, n]) => `${k}/${n}`) };
  const deleted: string[] = [];
  if (await deleteClaim(kubectl, { ...o, claim: pvc, pod: chartNames(o.release).pod })) deleted.push(`pvc/${pvc}`);
  for (const [kind, name] of targets.slice(1)) {
    const r = await kubectl.run(deleteArgs(kind, name, { namespace: o.namespace, ignoreNotFound: true }));
    if (r.exitCode !== 0) throw kubectlFailureError(r, { context: o.context, what: `delete ${kind} ${name}` });
    if (r.stdout.trim()) deleted.push(`${kind}/${name}`);
  }
  return { release, deleted, kept: [] };
}

/** What undeploy would do, from reads only: the release, and which of the claim and Secret exist. */
async function planUndeploy(
  kubectl: Kubectl,
  o: { namespace: string; secret: string; deleteData: boolean; releasePresent: boolean },
  pvc: string,
): Promise<UndeployResult> {
  const present: string[] = [];
  for (const [kind, name] of [
    ['pvc', pvc],
    ['secret', o.secret],
  ] as const) {
    if (await kubectl.getJson(kind, name, o.namespace)) present.push(`${kind}/${name}`);
  }
  return {
    release: o.releasePresent ? 'uninstalled' : 'absent',
    deleted: [],
    kept: o.deleteData ? [] : present,
    dryRun: { wouldUninstall: o.releasePresent, wouldDelete: o.deleteData ? present : [] },
  };
}
