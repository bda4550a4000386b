// The data volume on the cluster: what the live StatefulSet and claim hold, and carrying out a storage plan
// (grow the claim and wait for the filesystem to follow, then delete the StatefulSet without its pod so helm
// creates it again with the new volume template).
import { toolError } from '../cli/errors.ts';
import type { Output } from '../cli/output.ts';
import { deleteOrphaningArgs, kubectlFailureError, patchClaimSizeArgs, type Kubectl } from '../cluster/kubectl.ts';
import { quantityBytes } from '../cluster/quantity.ts';
import type { ChartNames } from '../cluster/chart-names.ts';
import type { LiveVolume, StoragePlan, VolumeSpec } from './storage-plan.ts';

interface ClaimSpecJson {
  accessModes?: string[];
  storageClassName?: string;
  resources?: { requests?: { storage?: string } };
}

interface ClaimJson {
  spec?: ClaimSpecJson;
  status?: { capacity?: { storage?: string }; conditions?: Array<{ type: string; message?: string }> };
}

interface StatefulSetJson {
  spec?: { volumeClaimTemplates?: Array<{ metadata?: { name?: string }; spec?: ClaimSpecJson }> };
}

const spec = (s: ClaimSpecJson | undefined): VolumeSpec => ({
  size: s?.resources?.requests?.storage ?? '0',
  storageClass: s?.storageClassName ?? '',
  accessModes: s?.accessModes ?? [],
});

export async function readLiveVolume(
  kubectl: Kubectl,
  o: { namespace: string; names: ChartNames; expandableClasses: string[] },
): Promise<LiveVolume> {
  const sts = (await kubectl.getJson('statefulset', o.names.statefulSet, o.namespace)) as StatefulSetJson | null;
  const data = sts?.spec?.volumeClaimTemplates?.find((t) => t.metadata?.name === 'data');
  const pvc = (await kubectl.getJson('persistentvolumeclaim', o.names.pvc, o.namespace)) as ClaimJson | null;
  const claim = pvc ? spec(pvc.spec) : null;
  return {
    template: data ? spec(data.spec) : null,
    claim: claim && {
      name: o.names.pvc,
      requested: claim.size,
      capacity: pvc?.status?.capacity?.storage ?? null,
      storageClass: claim.storageClass,
      accessModes: claim.accessModes,
      expandable: o.expandableClasses.includes(claim.storageClass),
    },
  };
}

export async function applyStoragePlan(
  kubectl: Kubectl,
  plan: StoragePlan,
  o: { namespace: string; names: ChartNames; context: string; timeoutMs: number; out: Output },
): Promise<void> {
  if (plan.kind === 'unchanged' || plan.kind === 'refuse') return;
  if (plan.kind === 'grow') {
    o.out.progress(`growing ${plan.claim}: ${plan.from} → ${plan.to}`);
    const patched = await kubectl.run(patchClaimSizeArgs(plan.claim, o.namespace, plan.to));
    if (patched.exitCode !== 0)
      throw kubectlFailureError(patched, { context: o.context, what: `patch persistentvolumeclaim ${plan.claim}` });
    await waitForCapacity(kubectl, { ...o, claim: plan.claim, size: plan.to });
  }
  // The pod keeps running; helm's upgrade creates the StatefulSet again and it adopts the pod.
  const sts = o.names.statefulSet;
  const deleted = await kubectl.run(deleteOrphaningArgs('statefulset', sts, o.namespace));
  if (deleted.exitCode !== 0)
    throw kubectlFailureError(deleted, { context: o.context, what: `delete statefulset ${sts}` });
}

// The resizer grows the volume, then kubelet the filesystem; status.capacity says when both are done.
async function waitForCapacity(
  kubectl: Kubectl,
  o: { namespace: string; claim: string; size: string; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const want = quantityBytes(o.size) ?? 0;
  for (;;) {
    const pvc = (await kubectl.getJson('persistentvolumeclaim', o.claim, o.namespace)) as ClaimJson | null;
    const capacity = pvc?.status?.capacity?.storage ?? '0';
    if ((quantityBytes(capacity) ?? 0) >= want) return;
    if (Date.now() >= deadline) {
      const conditions = (pvc?.status?.conditions ?? []).map((c) => `${c.type}${c.message ? `: ${c.message}` : ''}`);
      throw toolError(
        `${o.claim} asks for ${o.size} but still has ${capacity} after ${Math.round(o.timeoutMs / 1000)}s` +
          `${conditions.length ? ` (${conditions.join('; ')})` : ''}; the resize goes on in the cluster`,
        `kubectl describe pvc ${o.claim} -n ${o.namespace}; once it shows ${o.size}, deploy again with --upgrade`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
