// Deleting the data volume. kubernetes.io/pvc-protection keeps a claim while a pod uses it, and kubectl
// delete waits for that pod: after helm uninstall it is terminating and goes in seconds, but a pod left
// without its StatefulSet (an interrupted volume change) never goes, and kubectl would wait a week.
import { toolError } from '../cli/errors.ts';
import type { PodJson } from '../cluster/diagnose.ts';
import { deleteArgs, kubectlFailureError, type Kubectl } from '../cluster/kubectl.ts';

const POLL_MS = 500;

/** True when the claim existed (and is now gone). Waits at most timeoutMs for a terminating pod. */
export async function deleteClaim(
  kubectl: Kubectl,
  o: { namespace: string; claim: string; pod: string; context: string; userContext?: string; timeoutMs: number },
): Promise<boolean> {
  const args = [...deleteArgs('pvc', o.claim, { namespace: o.namespace, ignoreNotFound: true }), '--wait=false'];
  const r = await kubectl.run(args);
  if (r.exitCode !== 0) throw kubectlFailureError(r, { context: o.context, what: `delete pvc ${o.claim}` });
  if (!r.stdout.trim()) return false;
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (!(await kubectl.getJson('pvc', o.claim, o.namespace))) return true;
    const holder = (await kubectl.getJson('pod', o.pod, o.namespace)) as PodJson | null;
    const uses = holder?.spec?.volumes?.some((v) => v.persistentVolumeClaim?.claimName === o.claim) ?? false;
    const terminating = Boolean(holder?.metadata?.deletionTimestamp);
    if (uses && (!terminating || Date.now() >= deadline)) throw claimHeldError(o, holder!, terminating);
    if (Date.now() >= deadline) throw toolError(`volume ${o.namespace}/${o.claim} is still being deleted`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function claimHeldError(o: Parameters<typeof deleteClaim>[1], pod: PodJson, terminating: boolean) {
  const owner = pod.metadata?.ownerReferences?.find((ref) => ref.kind === 'StatefulSet');
  const why = terminating
    ? 'still terminating'
    : owner
      ? `owned by StatefulSet ${owner.name}`
      : 'a pod left without its StatefulSet';
  const ctx = o.userContext ? ` --context ${o.userContext}` : '';
  return toolError(
    `volume ${o.namespace}/${o.claim} is being deleted but pod ${o.namespace}/${o.pod} still uses it (${why}); ` +
      'it goes once the pod is gone',
    `${terminating ? 'kubectl wait --for=delete' : 'kubectl delete'} pod/${o.pod} -n ${o.namespace}${ctx} && ` +
      'npm run -s db:deploy -- --uninstall --delete-data --yes',
  );
}
