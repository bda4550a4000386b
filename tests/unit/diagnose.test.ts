import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, type DiagnoseInput } from '../../scripts/lib/cluster/diagnose.ts';

const base = (o: Partial<DiagnoseInput>): DiagnoseInput => ({
  namespace: 'postgres',
  podName: 'postgresql-0',
  pod: null,
  events: [],
  pvc: { metadata: { name: 'data-postgresql-0' }, spec: { storageClassName: 'standard' }, status: { phase: 'Bound' } },
  ...o,
});
const pod = (status: object, limit = '1Gi') => ({
  spec: {
    containers: [
      {
        name: 'postgresql',
        image: 'docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4',
        resources: { limits: { memory: limit } },
      },
    ],
  },
  status: {
    phase: 'Running',
    containerStatuses: [
      { name: 'postgresql', image: 'docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4', ...status },
    ],
  },
});

test('a Pending claim is reported with its latest event and the provisioner fix', () => {
  const p = diagnose(
    base({
      pvc: { metadata: { name: 'data-postgresql-0' }, spec: {}, status: { phase: 'Pending' } },
      events: [
        {
          involvedObject: { name: 'data-postgresql-0' },
          reason: 'FailedBinding',
          message: 'no persistent volumes available for this claim and no storage class is set',
          lastTimestamp: '2026-11-25T10:00:00Z',
        },
      ],
    }),
  );
  assert.equal(p?.code, 'pvc-pending');
  assert.equal(
    p?.message,
    'volume claim data-postgresql-0 is Pending: no persistent volumes available for this claim and no storage ' +
      'class is set',
  );
  assert.match(p?.fix ?? '', /minikube addons enable default-storageclass/);
});

test('image pull failures name the image and the registry answer', () => {
  const p = diagnose(
    base({
      pod: pod({ state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }),
      events: [
        {
          involvedObject: { name: 'postgresql-0' },
          reason: 'Failed',
          message: 'Failed to pull image "x": manifest unknown',
          lastTimestamp: '2026-11-25T10:00:00Z',
        },
      ],
    }),
  );
  assert.equal(p?.code, 'image-pull');
  assert.equal(
    p?.message,
    'cannot pull image docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4: Failed to pull image "x": manifest ' +
      'unknown',
  );
});

test('OOMKilled wins over the crash loop it causes, and names the limit', () => {
  const p = diagnose(
    base({
      pod: pod(
        {
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
        },
        '192Mi',
      ),
    }),
  );
  assert.equal(p?.code, 'oom-killed');
  assert.equal(p?.message, 'postgresql was OOMKilled (exit 137, memory limit 192Mi, restarts 3)');
});

test('a crash loop quotes the last log lines', () => {
  const p = diagnose(
    base({
      pod: pod({
        restartCount: 5,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { reason: 'Error', exitCode: 1 } },
      }),
      previousLog: ['starting', 'FATAL:  database files are incompatible with server', ''],
    }),
  );
  assert.equal(p?.code, 'crash-loop');
  assert.equal(
    p?.message,
    'postgresql keeps crashing (restarts 5): starting | FATAL:  database files are incompatible with server',
  );
});

test('a Ready pod is no problem; an unready one is', () => {
  assert.equal(diagnose(base({ pod: pod({ ready: true, state: { running: {} } }) })), null);
  assert.equal(diagnose(base({ pod: pod({ ready: false, state: { running: {} } }) }))?.code, 'pod-not-ready');
  assert.equal(diagnose(base({ pod: null }))?.code, 'pod-missing');
});

test('an old OOMKilled lastState does not explain a running container that is not Ready', () => {
  const p = diagnose(
    base({
      pod: pod({
        ready: false,
        restartCount: 1,
        state: { running: {} },
        lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
      }),
    }),
  );
  assert.equal(p?.code, 'pod-not-ready');
});

test('a crash loop on a full disk is volume-full, with a size to grow to', () => {
  const p = diagnose(
    base({
      pod: pod({
        restartCount: 2,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { reason: 'Error', exitCode: 1 } },
      }),
      pvc: {
        metadata: { name: 'data-postgresql-0' },
        spec: { storageClassName: 'standard' },
        status: { phase: 'Bound', capacity: { storage: '8Gi' } },
      },
      previousLog: ['FATAL:  could not write lock file "postmaster.pid": No space left on device', ''],
    }),
  );
  assert.equal(p?.code, 'volume-full');
  assert.match(p?.message ?? '', /volume data-postgresql-0 \(8Gi\) is full: .*No space left on device/);
  assert.equal(p?.fix, 'npm run -s db:deploy -- --storage-size 16Gi --upgrade');
});
