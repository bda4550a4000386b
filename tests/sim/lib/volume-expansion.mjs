// Growing a bound claim: what the API server accepts (validation and the PersistentVolumeClaimResize admission
// plugin) and what the resizer and kubelet do afterwards (status.capacity follows once the filesystem grew).
import { quantityBytes } from './chart.mjs';
import { resizeVolume } from './pod-runtime.mjs';

export class ClaimPatchError extends Error {}

// Returns 'patched' or 'unchanged'; throws ClaimPatchError with the text kubectl prints.
export function requestClaimSize(state, pvc, storage) {
  const wanted = quantityBytes(storage);
  if (wanted === null) {
    throw new ClaimPatchError(
      `The PersistentVolumeClaim "${pvc.name}" is invalid: spec.resources.requests[storage]: Invalid value: ` +
        `"${storage}": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  }
  const requested = quantityBytes(pvc.size);
  if (wanted === requested) return 'unchanged';
  const capacity = quantityBytes(pvc.capacity ?? pvc.size);
  // core/validation ValidatePersistentVolumeClaimUpdate (with RecoverVolumeExpansionFailure): a request may come
  // down only while it stays above what the volume already has.
  if (pvc.phase === 'Bound' && wanted < capacity) {
    throw new ClaimPatchError(
      `The PersistentVolumeClaim "${pvc.name}" is invalid: spec.resources.requests.storage: Forbidden: field can ` +
        'not be less than status.capacity',
    );
  }
  // plugin/pkg/admission/storage/persistentvolume/resize: only a bound claim whose class allows expansion grows.
  const sc = state.storageClasses[pvc.storageClass];
  if (wanted > requested && (pvc.phase !== 'Bound' || sc?.allowVolumeExpansion !== true)) {
    throw new ClaimPatchError(
      `Error from server (Forbidden): persistentvolumeclaims "${pvc.name}" is forbidden: only dynamically ` +
        'provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
  }
  pvc.capacity = pvc.capacity ?? pvc.size;
  pvc.size = storage;
  return 'patched';
}

// The resizer and kubelet's online expansion, one step behind the patch (the call after it sees it done).
// Returns the events to record.
export function finishResizes(state, dir) {
  const events = [];
  for (const pvc of Object.values(state.pvcs)) {
    if (pvc.phase !== 'Bound' || pvc.capacity === undefined) continue;
    const wanted = quantityBytes(pvc.size);
    if (wanted <= quantityBytes(pvc.capacity)) {
      delete pvc.capacity;
      continue;
    }
    if (!pvc.resizeSeen || state.faults['resize-stuck']) {
      pvc.resizeSeen = true;
      continue;
    }
    resizeVolume(dir, pvc.namespace, pvc.name, wanted);
    const provisioner = state.storageClasses[pvc.storageClass]?.provisioner ?? 'external-resizer';
    const ev = (reason, message, component) =>
      events.push({
        namespace: pvc.namespace,
        kind: 'PersistentVolumeClaim',
        name: pvc.name,
        objUid: pvc.uid,
        reason,
        message,
        component,
      });
    ev('Resizing', `External resizer is resizing volume ${pvc.volumeName}`, `external-resizer ${provisioner}`);
    ev(
      'FileSystemResizeSuccessful',
      `MountVolume.NodeExpandVolume succeeded for volume "${pvc.volumeName}"`,
      'kubelet',
    );
    delete pvc.capacity;
    delete pvc.resizeSeen;
  }
  return events;
}
