// What installing or upgrading the chart creates in the cluster, and what uninstalling removes.
import crypto from 'node:crypto';
import { key, nowIso, uid } from './state.mjs';
import { createStatefulPod, deletePod, ensurePvc } from './cluster.mjs';

function randomPassword() {
  // The chart's randAlphaNum 10.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...crypto.randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
}

// What the chart renders into the StatefulSet's volumeClaimTemplates (primary/statefulset.yaml).
function claimTemplate(rendered) {
  const { size, storageClass, accessModes } = rendered.persistence;
  return { size, storageClass, accessModes };
}

// The API server's StatefulSet update validation (apps/validation ValidateStatefulSetUpdate): only replicas,
// ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds may change, so a
// changed volumeClaimTemplates is refused. Returns the API error's text, or null when the update is allowed.
export function statefulSetUpdateError(state, { namespace, rendered }) {
  const sts = state.statefulsets?.[key(namespace, rendered.fullname)];
  if (!sts?.claimTemplate) return null;
  if (JSON.stringify(sts.claimTemplate) === JSON.stringify(claimTemplate(rendered))) return null;
  return (
    `StatefulSet.apps "${rendered.fullname}" is invalid: spec: Forbidden: updates to statefulset spec for fields ` +
    `other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and ` +
    `'minReadySeconds' are forbidden`
  );
}

export function applyWorkload(state, dir, { release, namespace, rendered }) {
  const labels = {
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/name': 'postgresql',
  };
  if (rendered.generateSecret) {
    const k = key(namespace, rendered.secretName);
    const existing = state.secrets[k];
    // The chart looks up its own Secret and keeps the passwords it finds there.
    const data = {};
    for (const field of ['postgres-password', 'password']) {
      const given = rendered.generatedPasswords[field];
      const kept = existing?.data[field];
      if (field === 'password' && !rendered.secretFiles.password) continue;
      data[field] = given
        ? Buffer.from(given).toString('base64')
        : (kept ?? Buffer.from(randomPassword()).toString('base64'));
    }
    state.secrets[k] = {
      namespace,
      name: rendered.secretName,
      uid: existing?.uid ?? uid(),
      created: existing?.created ?? nowIso(),
      type: 'Opaque',
      data,
      labels,
      annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': namespace },
      ownerRelease: release,
    };
  }
  const template = {
    image: rendered.image,
    env: rendered.env,
    resources: rendered.resources,
    secretFiles: rendered.secretFiles,
    serverSettings: rendered.serverSettings,
  };
  const templateHash = crypto.createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
  state.statefulsets ??= {};
  state.services ??= {};
  const stsKey = key(namespace, rendered.fullname);
  const prev = state.statefulsets[stsKey];
  state.statefulsets[stsKey] = {
    namespace,
    name: rendered.fullname,
    release,
    uid: prev?.uid ?? uid(),
    created: prev?.created ?? nowIso(),
    template,
    templateHash,
    claimTemplate: claimTemplate(rendered),
    generation: (prev?.generation ?? 0) + (prev?.templateHash === templateHash ? 0 : 1),
  };
  for (const [name, headless] of [
    [rendered.fullname, false],
    [`${rendered.fullname}-hl`, true],
  ]) {
    const k = key(namespace, name);
    state.services[k] ??= {
      namespace,
      name,
      release,
      headless,
      uid: uid(),
      created: nowIso(),
      clusterIP: '10.96.120.17',
    };
  }
  ensurePvc(state, dir, namespace, `data-${rendered.fullname}-0`, {
    size: rendered.persistence.size,
    storageClass: rendered.persistence.storageClass,
    accessModes: rendered.persistence.accessModes,
    labels: {
      'app.kubernetes.io/component': 'primary',
      'app.kubernetes.io/instance': release,
      'app.kubernetes.io/name': 'postgresql',
    },
  });
  const podKey = key(namespace, `${rendered.fullname}-0`);
  const pod = state.pods[podKey];
  // A changed pod template rolls the StatefulSet: the pod is replaced, the claim stays.
  if (pod && pod.templateHash !== templateHash) deletePod(state, dir, pod);
  else if (!pod) createStatefulPod(state, dir, state.statefulsets[stsKey]);
}

export function removeWorkload(state, dir, { release, namespace }) {
  for (const [k, sts] of Object.entries(state.statefulsets ?? {})) {
    if (sts.release !== release || sts.namespace !== namespace) continue;
    delete state.statefulsets[k];
    const pod = state.pods[key(namespace, `${sts.name}-0`)];
    if (pod) deletePod(state, dir, pod, { recreate: false });
  }
  for (const [k, svc] of Object.entries(state.services ?? {})) {
    if (svc.release === release && svc.namespace === namespace) delete state.services[k];
  }
  // Objects the release rendered go; the PVC (made by the StatefulSet) and foreign Secrets stay.
  for (const [k, s] of Object.entries(state.secrets)) {
    if (s.ownerRelease === release && s.namespace === namespace) delete state.secrets[k];
  }
}
