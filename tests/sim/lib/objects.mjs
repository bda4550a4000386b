// The Kubernetes objects the simulation holds, rendered as the API server returns them.
import { podStatus } from './cluster.mjs';

const KINDS = {
  namespaces: { kind: 'Namespace', apiVersion: 'v1', namespaced: false, aliases: ['namespace', 'ns'] },
  pods: { kind: 'Pod', apiVersion: 'v1', namespaced: true, aliases: ['pod', 'po'] },
  secrets: { kind: 'Secret', apiVersion: 'v1', namespaced: true, aliases: ['secret'] },
  persistentvolumeclaims: {
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    namespaced: true,
    aliases: ['persistentvolumeclaim', 'pvc'],
  },
  storageclasses: {
    kind: 'StorageClass',
    apiVersion: 'storage.k8s.io/v1',
    namespaced: false,
    aliases: ['storageclass', 'sc'],
  },
  events: { kind: 'Event', apiVersion: 'v1', namespaced: true, aliases: ['event', 'ev'] },
  statefulsets: { kind: 'StatefulSet', apiVersion: 'apps/v1', namespaced: true, aliases: ['statefulset', 'sts'] },
  services: { kind: 'Service', apiVersion: 'v1', namespaced: true, aliases: ['service', 'svc'] },
};

// "pods", "pod", "po", "pods.v1" → the resource's plural name, or null.
export function resolveResource(word) {
  const w = word.toLowerCase().replace(/\.(v1|apps|storage\.k8s\.io)(\/v1)?$/, '');
  for (const [plural, def] of Object.entries(KINDS)) if (plural === w || def.aliases.includes(w)) return plural;
  return null;
}

export function resourceInfo(plural) {
  return KINDS[plural];
}

// The chart's ports: the container's named port and the Service's port onto it (port-forward reads both).
export const CONTAINER_PORTS = [{ containerPort: 5432, name: 'tcp-postgresql', protocol: 'TCP' }];
export const SERVICE_PORTS = [{ name: 'tcp-postgresql', port: 5432, protocol: 'TCP', targetPort: 'tcp-postgresql' }];

const meta = (name, namespace, uid, created, extra = {}) => ({
  ...(extra.annotations ? { annotations: extra.annotations } : {}),
  creationTimestamp: created,
  ...(extra.labels ? { labels: extra.labels } : {}),
  name,
  ...(namespace ? { namespace } : {}),
  ...(extra.ownerReferences ? { ownerReferences: extra.ownerReferences } : {}),
  resourceVersion: String(extra.resourceVersion ?? 1000),
  uid,
});

function releaseLabels(release, component = 'primary') {
  return {
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/name': 'postgresql',
  };
}

// All objects of a resource type, as [namespace, name, object] triples.
export function listObjects(state, dir, plural) {
  const out = [];
  const push = (ns, name, obj) => out.push({ namespace: ns, name, object: obj });
  switch (plural) {
    case 'namespaces':
      for (const [name, n] of Object.entries(state.namespaces)) {
        push(null, name, {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: meta(name, null, n.uid, n.created, { labels: { 'kubernetes.io/metadata.name': name } }),
          spec: { finalizers: ['kubernetes'] },
          status: { phase: 'Active' },
        });
      }
      break;
    case 'storageclasses':
      for (const [name, sc] of Object.entries(state.storageClasses)) {
        push(null, name, {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: meta(name, null, sc.uid, sc.created, {
            annotations: { 'storageclass.kubernetes.io/is-default-class': sc.default ? 'true' : 'false' },
            labels: { 'addonmanager.kubernetes.io/mode': 'EnsureExists' },
          }),
          provisioner: sc.provisioner,
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'Immediate',
          // The API omits the field unless it was set (minikube's "standard" does not set it).
          ...(sc.allowVolumeExpansion !== undefined ? { allowVolumeExpansion: sc.allowVolumeExpansion } : {}),
        });
      }
      break;
    case 'secrets':
      for (const s of Object.values(state.secrets)) {
        push(s.namespace, s.name, {
          apiVersion: 'v1',
          kind: 'Secret',
          data: s.data,
          metadata: meta(s.name, s.namespace, s.uid, s.created, { labels: s.labels, annotations: s.annotations }),
          type: s.type,
        });
      }
      for (const r of Object.values(state.releases)) {
        for (const rev of r.revisions) {
          const name = `sh.helm.release.v1.${r.name}.v${rev.version}`;
          push(r.namespace, name, {
            apiVersion: 'v1',
            kind: 'Secret',
            data: { release: Buffer.from(`sim:${r.name}:${rev.version}`).toString('base64') },
            metadata: meta(name, r.namespace, rev.uid, rev.lastDeployed, {
              labels: {
                modifiedAt: String(Math.floor(Date.parse(rev.lastDeployed) / 1000)),
                name: r.name,
                owner: 'helm',
                status: rev.status,
                version: String(rev.version),
              },
            }),
            type: 'helm.sh/release.v1',
          });
        }
      }
      break;
    case 'persistentvolumeclaims':
      for (const p of Object.values(state.pvcs)) {
        const bound = p.phase === 'Bound';
        push(p.namespace, p.name, {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            ...meta(p.name, p.namespace, p.uid, p.created, { labels: p.labels }),
            ...(p.terminating ? { deletionTimestamp: p.terminating === true ? p.created : p.terminating } : {}),
            finalizers: ['kubernetes.io/pvc-protection'],
          },
          spec: {
            accessModes: p.accessModes ?? ['ReadWriteOnce'],
            resources: { requests: { storage: p.size } },
            ...(p.storageClass ? { storageClassName: p.storageClass } : {}),
            volumeMode: 'Filesystem',
            ...(bound ? { volumeName: p.volumeName } : {}),
          },
          // status.capacity trails the request until a resize finishes (kubelet's FileSystemResizeSuccessful).
          status: bound
            ? {
                accessModes: p.accessModes ?? ['ReadWriteOnce'],
                capacity: { storage: p.capacity ?? p.size },
                ...(p.capacity ? { conditions: [{ type: 'Resizing', status: 'True' }] } : {}),
                phase: 'Bound',
              }
            : { phase: 'Pending' },
        });
      }
      break;
    case 'pods':
      for (const p of Object.values(state.pods)) push(p.namespace, p.name, renderPod(state, dir, p));
      break;
    case 'statefulsets':
      for (const s of Object.values(state.statefulsets ?? {})) {
        const pod = state.pods[`${s.namespace}/${s.name}-0`];
        const ready = pod && podStatus(state, dir, pod).containerStatuses?.[0]?.ready ? 1 : 0;
        push(s.namespace, s.name, {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: meta(s.name, s.namespace, s.uid, s.created, { labels: releaseLabels(s.release) }),
          spec: {
            replicas: s.replicas ?? 1,
            serviceName: `${s.name}-hl`,
            selector: {
              matchLabels: {
                'app.kubernetes.io/component': 'primary',
                'app.kubernetes.io/instance': s.release,
                'app.kubernetes.io/name': 'postgresql',
              },
            },
            template: {
              spec: { containers: [{ name: 'postgresql', image: s.template.image, resources: s.template.resources }] },
            },
            // primary/statefulset.yaml: one claim template "data" (common.storage.class renders the class if set).
            ...(s.claimTemplate
              ? {
                  volumeClaimTemplates: [
                    {
                      apiVersion: 'v1',
                      kind: 'PersistentVolumeClaim',
                      metadata: { name: 'data' },
                      spec: {
                        accessModes: s.claimTemplate.accessModes,
                        resources: { requests: { storage: s.claimTemplate.size } },
                        ...(s.claimTemplate.storageClass ? { storageClassName: s.claimTemplate.storageClass } : {}),
                      },
                    },
                  ],
                }
              : {}),
          },
          status: {
            replicas: pod ? 1 : 0,
            readyReplicas: ready,
            currentReplicas: pod ? 1 : 0,
            availableReplicas: ready,
            observedGeneration: s.generation,
          },
        });
      }
      break;
    case 'services':
      for (const s of Object.values(state.services ?? {})) {
        push(s.namespace, s.name, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: meta(s.name, s.namespace, s.uid, s.created, { labels: releaseLabels(s.release) }),
          spec: {
            type: 'ClusterIP',
            clusterIP: s.headless ? 'None' : s.clusterIP,
            ports: SERVICE_PORTS,
          },
        });
      }
      break;
    case 'events':
      for (const e of state.events) {
        push(e.namespace, e.id, {
          apiVersion: 'v1',
          kind: 'Event',
          count: e.count,
          eventTime: null,
          firstTimestamp: e.firstTimestamp,
          lastTimestamp: e.lastTimestamp,
          involvedObject: {
            apiVersion: e.kind === 'Pod' || e.kind === 'PersistentVolumeClaim' ? 'v1' : 'apps/v1',
            kind: e.kind,
            name: e.name,
            namespace: e.namespace,
            uid: e.objUid,
          },
          message: e.message,
          metadata: meta(e.id, e.namespace, e.id, e.firstTimestamp),
          reason: e.reason,
          reportingComponent: e.component,
          reportingInstance: '',
          source: { component: e.component },
          type: e.type,
        });
      }
      break;
    default:
      throw new Error(`sim: no objects for ${plural}`);
  }
  return out;
}

function renderPod(state, dir, p) {
  const owner = state.statefulsets?.[`${p.namespace}/${p.owner}`];
  const volumes = [
    { name: 'empty-dir', emptyDir: {} },
    { name: 'postgresql-password', secret: { secretName: Object.values(p.secretFiles)[0]?.secret, defaultMode: 420 } },
    { name: 'data', persistentVolumeClaim: { claimName: p.volume } },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(p.name, p.namespace, p.uid, p.created, {
      labels: {
        ...releaseLabels(p.release),
        'apps.kubernetes.io/pod-index': '0',
        'statefulset.kubernetes.io/pod-name': p.name,
      },
      // The garbage collector's orphan policy takes the reference off; an adopting StatefulSet puts it back.
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                blockOwnerDeletion: true,
                controller: true,
                kind: 'StatefulSet',
                name: owner.name,
                uid: owner.uid,
              },
            ],
          }
        : {}),
    }),
    spec: {
      containers: [
        {
          name: 'postgresql',
          image: p.image,
          imagePullPolicy: 'IfNotPresent',
          env: Object.entries(p.env)
            .filter(([k]) => !k.startsWith('SIM_'))
            .map(([name, value]) => ({ name, value })),
          ports: CONTAINER_PORTS,
          resources: p.resources,
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 1001,
            runAsGroup: 1001,
          },
          volumeMounts: [
            { mountPath: '/tmp', name: 'empty-dir', subPath: 'tmp-dir' },
            { mountPath: '/opt/bitnami/postgresql/conf', name: 'empty-dir', subPath: 'app-conf-dir' },
            { mountPath: '/opt/bitnami/postgresql/tmp', name: 'empty-dir', subPath: 'app-tmp-dir' },
            { mountPath: '/opt/bitnami/postgresql/secrets/', name: 'postgresql-password' },
            { mountPath: '/bitnami/postgresql', name: 'data' },
          ],
        },
      ],
      hostname: p.name,
      nodeName: 'minikube',
      restartPolicy: 'Always',
      serviceAccountName: p.release,
      subdomain: `${p.owner}-hl`,
      volumes,
    },
    status: podStatus(state, dir, p),
  };
}

const age = (iso) => {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 3 * 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
};

// kubectl's default table columns for each type.
export function tableRows(plural, objects, { allNamespaces, kindPrefix = null }) {
  const rows = objects.map(({ object: o }) => {
    const name = kindPrefix ? `${kindPrefix}/${o.metadata.name}` : o.metadata.name;
    const created = age(o.metadata.creationTimestamp);
    switch (plural) {
      case 'namespaces':
        return [name, o.status.phase, created];
      case 'storageclasses':
        return [
          o.metadata.annotations['storageclass.kubernetes.io/is-default-class'] === 'true' ? `${name} (default)` : name,
          o.provisioner,
          o.reclaimPolicy,
          o.volumeBindingMode,
          String(o.allowVolumeExpansion ?? false),
          created,
        ];
      case 'secrets':
        return [name, o.type, String(Object.keys(o.data ?? {}).length), created];
      case 'persistentvolumeclaims':
        return [
          name,
          o.metadata.deletionTimestamp ? 'Terminating' : o.status.phase,
          o.spec.volumeName ?? '',
          o.status.capacity?.storage ?? '',
          o.status.capacity ? 'RWO' : '',
          o.spec.storageClassName ?? '<unset>',
          '<unset>',
          created,
        ];
      case 'pods': {
        const c = o.status.containerStatuses?.[0];
        const status = c?.state?.waiting?.reason ?? (o.status.phase === 'Pending' ? 'Pending' : o.status.phase);
        return [name, `${c?.ready ? 1 : 0}/1`, status, String(c?.restartCount ?? 0), created];
      }
      case 'statefulsets':
        return [name, `${o.status.readyReplicas}/1`, created];
      case 'services':
        return [name, o.spec.type, o.spec.clusterIP, '<none>', '5432/TCP', created];
      case 'events':
        return [
          age(o.lastTimestamp),
          o.type,
          o.reason,
          `${o.involvedObject.kind.toLowerCase()}/${o.involvedObject.name}`,
          o.message,
        ];
      default:
        return [name];
    }
  });
  const headers = {
    namespaces: ['NAME', 'STATUS', 'AGE'],
    storageclasses: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'],
    secrets: ['NAME', 'TYPE', 'DATA', 'AGE'],
    persistentvolumeclaims: [
      'NAME',
      'STATUS',
      'VOLUME',
      'CAPACITY',
      'ACCESS MODES',
      'STORAGECLASS',
      'VOLUMEATTRIBUTESCLASS',
      'AGE',
    ],
    pods: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    statefulsets: ['NAME', 'READY', 'AGE'],
    services: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    events: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  }[plural];
  if (allNamespaces && KINDS[plural].namespaced) {
    return formatTable(
      ['NAMESPACE', ...headers],
      rows.map((r, i) => [objects[i].namespace, ...r]),
    );
  }
  return formatTable(headers, rows);
}

// Go's tabwriter as kubectl configures it: columns padded to the widest cell plus three spaces.
export function formatTable(headers, rows) {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  return `${all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? String(c) : String(c).padEnd(widths[i] + 3))).join(''))
    .join('\n')}\n`;
}
