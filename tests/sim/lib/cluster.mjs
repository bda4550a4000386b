// The simulated control plane: StatefulSet pods, PVC binding, secrets mounted as files, faults,
// and the events a real cluster records. Every function works on the loaded state object.
import fs from 'node:fs';
import path from 'node:path';
import { key, nowIso, uid, processAlive } from './state.mjs';
import { imagePullError, manifestUnknown, pullRateLimited, quantityBytes } from './chart.mjs';
import {
  containerReady,
  mountVolume,
  podDir,
  preparePodRoot,
  createPodNetwork,
  removePodNetwork,
  resizeVolume,
  rotateContainerLog,
  startContainer,
  stopContainer,
  unmountVolume,
  volumeUsage,
  writePodFiles,
  killPodProcesses,
  waitGone,
} from './pod-runtime.mjs';
import { finishResizes } from './volume-expansion.mjs';

export const NODE_NAME = 'minikube';

export function addEvent(state, { namespace, kind, name, objUid, type = 'Normal', reason, message, component }) {
  const last = state.events.findLast(
    (e) => e.namespace === namespace && e.name === name && e.reason === reason && e.message === message,
  );
  const now = nowIso();
  if (last) {
    last.count += 1;
    last.lastTimestamp = now;
    return;
  }
  state.events.push({
    id: `${name}.${uid().replace(/-/g, '').slice(0, 16)}`,
    namespace,
    kind,
    name,
    objUid,
    type,
    reason,
    message,
    component,
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
  });
}

export function defaultStorageClass(state) {
  return Object.entries(state.storageClasses).find(([, sc]) => sc.default)?.[0] ?? null;
}

export function ensurePvc(state, dir, namespace, name, { size, storageClass, accessModes, labels }) {
  const k = key(namespace, name);
  if (!state.pvcs[k]) {
    state.pvcs[k] = {
      namespace,
      name,
      uid: uid(),
      created: nowIso(),
      size,
      requestedClass: storageClass || null,
      storageClass: storageClass || defaultStorageClass(state),
      accessModes,
      phase: 'Pending',
      labels,
    };
  }
  bindPvc(state, dir, state.pvcs[k]);
  return state.pvcs[k];
}

export function bindPvc(state, dir, pvc) {
  if (pvc.phase === 'Bound') return;
  // Since Kubernetes 1.28 a class-less claim gets the default class once one exists.
  if (!pvc.storageClass && !pvc.requestedClass) pvc.storageClass = defaultStorageClass(state);
  if (!pvc.storageClass) {
    addEvent(state, {
      namespace: pvc.namespace,
      kind: 'PersistentVolumeClaim',
      name: pvc.name,
      objUid: pvc.uid,
      type: 'Normal',
      reason: 'FailedBinding',
      component: 'persistentvolume-controller',
      message: 'no persistent volumes available for this claim and no storage class is set',
    });
    return;
  }
  if (!state.storageClasses[pvc.storageClass]) {
    addEvent(state, {
      namespace: pvc.namespace,
      kind: 'PersistentVolumeClaim',
      name: pvc.name,
      objUid: pvc.uid,
      type: 'Warning',
      reason: 'ProvisioningFailed',
      component: 'persistentvolume-controller',
      message: `storageclass.storage.k8s.io "${pvc.storageClass}" not found`,
    });
    return;
  }
  if (state.faults['provisioner-down']) {
    const provisioner = state.storageClasses[pvc.storageClass].provisioner;
    addEvent(state, {
      namespace: pvc.namespace,
      kind: 'PersistentVolumeClaim',
      name: pvc.name,
      objUid: pvc.uid,
      reason: 'ExternalProvisioning',
      component: 'persistentvolume-controller',
      message:
        `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually ` +
        `by the system administrator. If volume creation is delayed, please verify that the provisioner is ` +
        `running and correctly registered.`,
    });
    return;
  }
  // A hostPath-style provisioner hands out a plain directory on the node: no quota, df shows the node's disk.
  pvc.sizeEnforced = sizeEnforced(state.storageClasses[pvc.storageClass]);
  mountVolume(dir, pvc.namespace, pvc.name, pvc.sizeEnforced ? quantityBytes(pvc.size) : null);
  pvc.phase = 'Bound';
  pvc.volumeName = `pvc-${pvc.uid}`;
  addEvent(state, {
    namespace: pvc.namespace,
    kind: 'PersistentVolumeClaim',
    name: pvc.name,
    objUid: pvc.uid,
    reason: 'ProvisioningSucceeded',
    component: state.storageClasses[pvc.storageClass].provisioner,
    message: `Successfully provisioned volume ${pvc.volumeName}`,
  });
}

export function deletePvc(state, dir, namespace, name) {
  const pvc = state.pvcs[key(namespace, name)];
  const inUse = Object.values(state.pods).some((p) => p.namespace === namespace && p.volume === name);
  if (inUse) {
    pvc.terminating ??= nowIso(); // kubernetes.io/pvc-protection holds it until the pod is gone
    return;
  }
  unmountVolume(dir, namespace, name);
  delete state.pvcs[key(namespace, name)];
}

export function createStatefulPod(state, dir, sts) {
  const name = `${sts.name}-0`;
  const pod = {
    namespace: sts.namespace,
    name,
    uid: uid(),
    created: nowIso(),
    owner: sts.name,
    release: sts.release,
    image: sts.template.image,
    env: sts.template.env,
    resources: sts.template.resources,
    secretFiles: sts.template.secretFiles,
    serverSettings: sts.template.serverSettings,
    templateHash: sts.templateHash,
    volume: `data-${name}`,
    arch: state.nodeArch ?? null,
    restartCount: 0,
    container: null,
    lastState: null,
    pullAttempts: 0,
  };
  state.pods[key(pod.namespace, name)] = pod;
  addEvent(state, {
    namespace: pod.namespace,
    kind: 'Pod',
    name,
    objUid: pod.uid,
    reason: 'Scheduled',
    component: 'default-scheduler',
    message: `Successfully assigned ${pod.namespace}/${name} to ${NODE_NAME}`,
  });
  fs.mkdirSync(podDir(dir, pod), { recursive: true });
  preparePodRoot(dir, pod);
  createPodNetwork(dir, pod);
  return pod;
}

// Deleting a StatefulSet pod: its container stops, and the controller creates it again at once.
export function deletePod(state, dir, pod, { recreate = true } = {}) {
  stopPodContainer(pod);
  delete state.pods[key(pod.namespace, pod.name)];
  removePodNetwork(dir, pod);
  fs.rmSync(podDir(dir, pod), { recursive: true, force: true });
  const pvc = state.pvcs[key(pod.namespace, pod.volume)];
  if (pvc?.terminating) deletePvc(state, dir, pod.namespace, pod.volume);
  const sts = state.statefulsets?.[key(pod.namespace, pod.owner)];
  if (recreate && sts && sts.replicas !== 0) createStatefulPod(state, dir, sts);
}

function stopPodContainer(pod) {
  if (pod.container) stopContainer(pod.container);
  killPodProcesses(pod);
  pod.container = null;
}

// What blocks the container from running, in the order the kubelet finds out.
function blocker(state, pod) {
  const pvc = state.pvcs[key(pod.namespace, pod.volume)];
  if (pvc?.phase !== 'Bound') return { kind: 'unschedulable' };
  // Volumes are mounted when a container starts: a Secret deleted later leaves a running one alone.
  const running = pod.container && !pod.container.suspended && processAlive(pod.container.pid);
  // The chart's secret volume has no items: a Secret without one of the keys still mounts (that file is absent).
  for (const { secret } of running ? [] : Object.values(pod.secretFiles)) {
    const s = state.secrets[key(pod.namespace, secret)];
    if (!s)
      return {
        kind: 'mount',
        message: `MountVolume.SetUp failed for volume "postgresql-password" : secret "${secret}" not found`,
      };
  }
  const pull = state.faults['image-pull']
    ? manifestUnknown(pod.image)
    : ((state.faults['pull-rate-limit'] && pullRateLimited(pod.image)) ?? imagePullError(pod.image));
  if (pull) return { kind: 'image', message: pull };
  if (state.faults['crash-loop']) return { kind: 'crash', reason: 'Error', exitCode: 1 };
  if (state.faults.oom) return { kind: 'crash', reason: 'OOMKilled', exitCode: 137 };
  return null;
}

export function reconcile(state, dir) {
  for (const pvc of Object.values(state.pvcs)) bindPvc(state, dir, pvc);
  for (const event of finishResizes(state, dir)) addEvent(state, event);
  for (const pod of Object.values(state.pods)) reconcilePod(state, dir, pod);
}

function reconcilePod(state, dir, pod) {
  const block = blocker(state, pod);
  pod.block = block;
  const ev = (type, reason, message, component = 'kubelet') =>
    addEvent(state, {
      namespace: pod.namespace,
      kind: 'Pod',
      name: pod.name,
      objUid: pod.uid,
      type,
      reason,
      message,
      component,
    });
  if (block?.kind === 'unschedulable') {
    ev(
      'Warning',
      'FailedScheduling',
      '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are ' +
        'available: 1 Preemption is not helpful for scheduling.',
      'default-scheduler',
    );
    return;
  }
  if (block?.kind === 'mount') return ev('Warning', 'FailedMount', block.message);
  if (block?.kind === 'image') {
    pod.pullAttempts += 1;
    ev('Normal', 'Pulling', `Pulling image "${pod.image}"`);
    ev('Warning', 'Failed', `Failed to pull image "${pod.image}": ${block.message}`);
    ev('Warning', 'Failed', 'Error: ErrImagePull');
    if (pod.pullAttempts > 1) ev('Normal', 'BackOff', `Back-off pulling image "${pod.image}"`);
    return;
  }
  if (block?.kind === 'crash') {
    if (pod.container) stopPodContainer(pod);
    pod.restartCount += 1;
    const at = nowIso();
    pod.lastState = { reason: block.reason, exitCode: block.exitCode, startedAt: at, finishedAt: at };
    if (block.reason === 'Error') writeCrashLog(dir, pod);
    ev(
      'Warning',
      'BackOff',
      `Back-off restarting failed container postgresql in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
    );
    return;
  }
  if (state.faults['not-ready']) {
    // The container runs, the server inside does not answer: the readiness probe fails.
    if (pod.container && processAlive(pod.container.pid)) stopContainer(pod.container);
    if (!pod.container) pod.container = { pid: 0, startedAt: nowIso(), id: uid().replace(/-/g, '') };
    pod.container.suspended = true;
    ev('Warning', 'Unhealthy', 'Readiness probe failed: /tmp:5432 - no response');
    return;
  }
  const wantedArgs = serverArgs(state, pod);
  if (pod.container && processAlive(pod.container.pid) && pod.container.args === wantedArgs) return;
  if (pod.backoffUntil && Date.now() < pod.backoffUntil) return;
  if (pod.container && !pod.container.suspended && pod.container.args === wantedArgs && pod.container.pid) {
    // It died on its own: the kubelet records the termination and restarts it.
    const at = nowIso();
    pod.lastState = { reason: 'Error', exitCode: 1, startedAt: pod.container.startedAt, finishedAt: at };
    pod.restartCount += 1;
    killPodProcesses(pod);
    waitGone(pod.container.pid);
    // The kubelet's crash back-off (pkg/kubelet/kuberuntime): the first restart at once, then 10 s,
    // doubling to 5 min, reset once a container ran 10 min; meanwhile the container waits in
    // CrashLoopBackOff.
    const ranMs = Date.parse(at) - Date.parse(pod.container.startedAt);
    pod.crashes = ranMs >= 600_000 ? 1 : (pod.crashes ?? 0) + 1;
    if (pod.crashes > 1 && !pod.backoffUntil) {
      const delayS = Math.min(10 * 2 ** (pod.crashes - 2), 300);
      pod.backoffUntil = Date.now() + delayS * 1000;
      pod.backoffSeconds = delayS;
      ev(
        'Warning',
        'BackOff',
        `Back-off restarting failed container postgresql in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
      );
      return;
    }
  }
  delete pod.backoffUntil;
  if (pod.container) stopContainer(pod.container);
  launch(state, dir, pod, wantedArgs);
}

function serverArgs(state, pod) {
  const settings = { ...pod.serverSettings };
  if (state.faults['max-connections']) settings.max_connections = state.faults['max-connections'];
  return Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
}

function launch(state, dir, pod, args) {
  const files = {};
  for (const [file, { secret, key: k }] of Object.entries(pod.secretFiles)) {
    const value = state.secrets[key(pod.namespace, secret)].data[k];
    files[file] = value === undefined ? null : Buffer.from(value, 'base64');
  }
  pod.env = {
    ...pod.env,
    SIM_CLUSTER: path.resolve(dir),
    SIM_POD_UID: pod.uid,
    SIM_SERVER_ARGS: args,
  };
  if (pod.container) rotateContainerLog(dir, pod);
  writePodFiles(dir, pod, files);
  const pid = startContainer(dir, pod);
  pod.container = { pid, startedAt: nowIso(), id: uid().replace(/-/g, ''), args };
  const ev = (reason, message) =>
    addEvent(state, {
      namespace: pod.namespace,
      kind: 'Pod',
      name: pod.name,
      objUid: pod.uid,
      reason,
      message,
      component: 'kubelet',
    });
  ev('Pulled', `Container image "${pod.image}" already present on machine`);
  ev('Created', 'Created container: postgresql');
  ev('Started', 'Started container postgresql');
}

// A crash-looping container has no running instance: `logs` and `logs --previous` both show the
// last terminated one's output.
function writeCrashLog(dir, pod) {
  const text = [
    'postgresql INFO  ==> ** Starting PostgreSQL **',
    `${nowIso()} [1] FATAL:  database files are incompatible with server`,
    `${nowIso()} [1] DETAIL:  The data directory was initialized by PostgreSQL version 15, which is not compatible ` +
      `with this version 18.1.`,
    '',
  ].join('\n');
  // Written aside and renamed in: a concurrent `kubectl logs` (helm's wait and the script poll at once) must never
  // read a file truncated mid-rewrite, which a real kubelet's log never is.
  for (const file of ['container.log', 'previous.log']) {
    const target = path.join(podDir(dir, pod), file);
    fs.writeFileSync(`${target}.${process.pid}.tmp`, text);
    fs.renameSync(`${target}.${process.pid}.tmp`, target);
  }
}

export function podStatus(state, dir, pod) {
  const block = pod.block ?? blocker(state, pod);
  const container = {
    name: 'postgresql',
    image: pod.image,
    imageID: '',
    restartCount: pod.restartCount,
    started: false,
    ready: false,
  };
  container.lastState = pod.lastState
    ? { terminated: { ...pod.lastState, containerID: `docker://${'0'.repeat(64)}` } }
    : {};
  let phase = 'Pending';
  const conditions = [];
  const cond = (type, status, reason, message) =>
    conditions.push({
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: pod.created,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    });
  if (block?.kind === 'unschedulable') {
    cond(
      'PodScheduled',
      'False',
      'Unschedulable',
      '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are ' +
        'available: 1 Preemption is not helpful for scheduling.',
    );
    return { phase, conditions, qosClass: 'Burstable' };
  }
  cond('PodScheduled', 'True');
  if (block?.kind === 'mount') container.state = { waiting: { reason: 'ContainerCreating' } };
  else if (block?.kind === 'image') {
    container.state = {
      waiting:
        pod.pullAttempts > 1
          ? {
              reason: 'ImagePullBackOff',
              message: `Back-off pulling image "${pod.image}": ErrImagePull: ${block.message}`,
            }
          : { reason: 'ErrImagePull', message: block.message },
    };
  } else if (block?.kind === 'crash') {
    phase = 'Running';
    container.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off 10s restarting failed container=postgresql pod=${pod.name}_${pod.namespace}(${pod.uid})`,
      },
    };
  } else if (pod.backoffUntil && Date.now() < pod.backoffUntil) {
    phase = 'Running';
    container.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message:
          `back-off ${pod.backoffSeconds}s restarting failed container=postgresql ` +
          `pod=${pod.name}_${pod.namespace}(${pod.uid})`,
      },
    };
  } else if (pod.container) {
    phase = 'Running';
    container.state = { running: { startedAt: pod.container.startedAt } };
    container.started = true;
    container.ready = !pod.container.suspended && containerReady(dir, { ...pod, pid: pod.container.pid });
    container.containerID = `docker://${pod.container.id}${pod.container.id}`.slice(0, 73);
  } else {
    container.state = { waiting: { reason: 'ContainerCreating' } };
  }
  const ready = container.ready ? 'True' : 'False';
  cond('PodReadyToStartContainers', phase === 'Running' ? 'True' : 'False');
  cond('Initialized', 'True');
  cond(
    'ContainersReady',
    ready,
    ready === 'False' ? 'ContainersNotReady' : undefined,
    ready === 'False' ? 'containers with unready status: [postgresql]' : undefined,
  );
  cond(
    'Ready',
    ready,
    ready === 'False' ? 'ContainersNotReady' : undefined,
    ready === 'False' ? 'containers with unready status: [postgresql]' : undefined,
  );
  return {
    phase,
    conditions,
    containerStatuses: [container],
    hostIP: '192.168.49.2',
    podIP: '10.244.0.12',
    podIPs: [{ ip: '10.244.0.12' }],
    startTime: pod.created,
    qosClass: 'Burstable',
  };
}

export function podReady(state, dir, pod) {
  return podStatus(state, dir, pod).containerStatuses?.[0]?.ready === true;
}

// kind's rancher.io/local-path and the other hostPath provisioners make directories, not filesystems.
// The built-in "standard" class enforces its size (a tmpfs per claim) so disk faults can be modelled;
// minikube's own does not (see README: known differences).
const HOSTPATH_PROVISIONERS = [
  'rancher.io/local-path',
  'k8s.io/minikube-hostpath',
  'docker.io/hostpath',
  'microk8s.io/hostpath',
];
function sizeEnforced(sc) {
  if (!sc || sc.builtin) return true;
  return !HOSTPATH_PROVISIONERS.includes(sc.provisioner);
}

export function applyDiskFault(state, dir, percent) {
  for (const pvc of Object.values(state.pvcs)) {
    if (pvc.phase !== 'Bound' || pvc.sizeEnforced === false) continue;
    const full = quantityBytes(pvc.size);
    if (percent === null) {
      resizeVolume(dir, pvc.namespace, pvc.name, full);
      continue;
    }
    const { total, free } = volumeUsage(dir, pvc.namespace, pvc.name);
    const used = total - free;
    const size = Math.max(Math.ceil(used / (percent / 100) / 4096) * 4096, used + 4096);
    resizeVolume(dir, pvc.namespace, pvc.name, Math.min(size, full));
  }
}
