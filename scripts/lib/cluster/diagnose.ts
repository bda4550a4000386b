// Why a PostgreSQL pod is not usable, read from the objects the cluster reports: one problem with
// a stable code, the evidence in words, and the one thing to do about it.
import { doubledSize, quantityBytes } from './quantity.ts';

export interface Problem {
  code:
    | 'pvc-pending'
    | 'image-pull'
    | 'image-pull-rate-limited'
    | 'oom-killed'
    | 'crash-loop'
    | 'secret-mount'
    | 'secret-key-missing'
    | 'secret-missing'
    | 'volume-full'
    | 'pod-missing'
    | 'pod-not-ready'
    | 'password-mismatch'
    | 'query-failed';
  message: string;
  fix: string;
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: object };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}

export interface PodJson {
  metadata?: { deletionTimestamp?: string; ownerReferences?: Array<{ kind?: string; name?: string }> };
  spec?: {
    containers?: Array<{ name?: string; image?: string; resources?: { limits?: { memory?: string } } }>;
    volumes?: Array<{
      name?: string;
      secret?: { secretName?: string };
      persistentVolumeClaim?: { claimName?: string };
    }>;
  };
  status?: { phase?: string; containerStatuses?: ContainerStatus[] };
}

export interface PvcJson {
  metadata?: { name?: string };
  spec?: { storageClassName?: string };
  status?: { phase?: string; capacity?: { storage?: string } };
}

export interface EventJson {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { name?: string; kind?: string };
  lastTimestamp?: string | null;
  eventTime?: string | null;
}

export interface DiagnoseInput {
  namespace: string;
  pod: PodJson | null;
  podName: string;
  pvc: PvcJson | null;
  events: EventJson[];
  /** The last lines of the previous container's log, for a crash loop. */
  previousLog?: string[];
}

/** The Secret behind the chart's postgresql-password volume (auth.existingSecret), from the pod's spec. */
export function mountedSecretName(pod: PodJson | null): string | null {
  return pod?.spec?.volumes?.find((v) => v.name === 'postgresql-password')?.secret?.secretName ?? null;
}

// The chart mounts the whole Secret; a key it lacks is a file the image cannot read (postgresql-env.sh
// "Skipping export of 'POSTGRES_PASSWORD'. '/opt/bitnami/postgresql/secrets/password' is not readable.").
function missingSecretKey(o: DiagnoseInput): Problem | null {
  const line = (o.previousLog ?? []).find((l) => /Skipping export of '\w+'\. '[^']+' is not readable/.test(l));
  const file = line && /'([^']+)' is not readable/.exec(line)?.[1];
  if (!file) return null;
  const keyName = file.split('/').at(-1) ?? file;
  const secret = mountedSecretName(o.pod);
  const where = secret ? `Secret ${o.namespace}/${secret}` : 'the credentials Secret';
  return {
    code: 'secret-key-missing',
    message:
      `postgresql keeps crashing: ${where} has no key "${keyName}", so the image finds no ${file} and refuses ` +
      'to start without the password',
    fix: secret
      ? `put the key back with the password the data was created with (kubectl edit secret ${secret} -n ` +
        `${o.namespace}); the pod restarts on its own`
      : 'put the key back into the Secret named by auth.existingSecret; the pod restarts on its own',
  };
}

// PostgreSQL cannot even write postmaster.pid or its WAL: the data volume is full, not the pod broken.
function fullVolume(o: DiagnoseInput): Problem | null {
  const line = (o.previousLog ?? []).find((l) => /No space left on device/.test(l));
  if (!line) return null;
  const claim = o.pvc?.metadata?.name ?? `data-${o.podName}`;
  const size = o.pvc?.status?.capacity?.storage;
  const bytes = size ? quantityBytes(size) : null;
  const next = bytes ? doubledSize(bytes) : null;
  return {
    code: 'volume-full',
    message: `volume ${claim}${size ? ` (${size})` : ''} is full: postgresql cannot start: ${line.trim()}`,
    fix: next
      ? `npm run -s db:deploy -- --storage-size ${next} --upgrade`
      : `grow the volume: npm run -s db:deploy -- --storage-size 16Gi --upgrade`,
  };
}

function latestEvent(events: EventJson[], name: string, pick: (e: EventJson) => boolean): EventJson | undefined {
  const when = (e: EventJson): string => e.lastTimestamp ?? e.eventTime ?? '';
  return events
    .filter((e) => e.involvedObject?.name === name && pick(e))
    .sort((a, b) => when(a).localeCompare(when(b)))
    .at(-1);
}

export function diagnose(o: DiagnoseInput): Problem | null {
  const pvcName = o.pvc?.metadata?.name ?? `data-${o.podName}`;
  if (o.pvc && o.pvc.status?.phase !== 'Bound') {
    const ev = latestEvent(o.events, pvcName, (e) => e.reason !== 'ProvisioningSucceeded');
    return {
      code: 'pvc-pending',
      message:
        `volume claim ${pvcName} is ` + `${o.pvc.status?.phase ?? 'not bound'}${ev?.message ? `: ${ev.message}` : ''}`,
      fix: o.pvc.spec?.storageClassName
        ? `make StorageClass "${o.pvc.spec.storageClassName}" provision volumes (minikube: minikube addons enable ` +
          `storage-provisioner), or set STORAGE_CLASS to one that does`
        : 'enable a default StorageClass (minikube: minikube addons enable default-storageclass ' +
          'storage-provisioner), or set STORAGE_CLASS',
    };
  }
  if (!o.pod)
    return {
      code: 'pod-missing',
      message: `pod ${o.podName} does not exist`,
      fix: `kubectl get statefulset,events -n ${o.namespace}`,
    };
  const c =
    o.pod.status?.containerStatuses?.find((s) => s.name === 'postgresql') ?? o.pod.status?.containerStatuses?.[0];
  const image = c?.image ?? o.pod.spec?.containers?.[0]?.image ?? '(unknown image)';
  const waiting = c?.state?.waiting;
  if (waiting && ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'].includes(waiting.reason ?? '')) {
    const ev = latestEvent(
      o.events,
      o.podName,
      (e) => e.reason === 'Failed' && (e.message ?? '').startsWith('Failed to pull'),
    );
    const detail = ev?.message ?? waiting.message ?? waiting.reason;
    // Docker Hub's anonymous limit (429 toomanyrequests): the image exists, this node may not pull it now.
    if (/toomanyrequests|429 Too Many Requests/i.test(detail ?? '')) {
      return {
        code: 'image-pull-rate-limited',
        message: `the registry refuses to serve ${image} for now: 429 toomanyrequests (the anonymous pull limit)`,
        fix:
          'wait for the limit to reset and deploy again, or pull with credentials or through a mirror: ' +
          'helm-values/mirror.example.yaml',
      };
    }
    return {
      code: 'image-pull',
      message: `cannot pull image ${image}: ${detail}`,
      fix:
        'pin an image that exists (Bitnami moved versioned tags to docker.io/bitnamilegacy in 2025): image.* in ' +
        'helm-values/base.yaml',
    };
  }
  // lastState is history once the container runs again: it explains a restart loop, not a hang.
  const terminated = c?.state?.running ? undefined : c?.lastState?.terminated;
  if (terminated?.reason === 'OOMKilled') {
    const limit = o.pod.spec?.containers?.[0]?.resources?.limits?.memory ?? 'no limit';
    return {
      code: 'oom-killed',
      message:
        `postgresql was OOMKilled (exit ${terminated.exitCode ?? 137}, memory limit ${limit}, restarts ` +
        `${c?.restartCount ?? 0})`,
      fix: 'raise primary.resources.limits.memory in helm-values/, then deploy with --upgrade',
    };
  }
  if (waiting?.reason === 'CrashLoopBackOff' || (terminated && !c?.ready)) {
    const missing = missingSecretKey(o) ?? fullVolume(o);
    if (missing) return missing;
    const last = (o.previousLog ?? [])
      .filter((l) => l.trim())
      .slice(-2)
      .join(' | ');
    return {
      code: 'crash-loop',
      message: `postgresql keeps crashing (restarts ${c?.restartCount ?? 0})${last ? `: ${last}` : ''}`,
      fix: `kubectl logs -n ${o.namespace} ${o.podName} --previous`,
    };
  }
  const mount = latestEvent(o.events, o.podName, (e) => e.reason === 'FailedMount');
  if (mount && !c?.state?.running) {
    return {
      code: 'secret-mount',
      message: `pod ${o.podName} cannot mount its volumes: ${mount.message}`,
      fix: 'recreate the credentials Secret the release names in auth.existingSecret',
    };
  }
  if (!c?.ready) {
    const probe = latestEvent(o.events, o.podName, (e) => e.reason === 'Unhealthy');
    return {
      code: 'pod-not-ready',
      message:
        `pod ${o.podName} is ${o.pod.status?.phase ?? 'unknown'} but not ` +
        `Ready${probe?.message ? `: ${probe.message}` : ''}`,
      fix: `kubectl describe pod -n ${o.namespace} ${o.podName}`,
    };
  }
  return null;
}
