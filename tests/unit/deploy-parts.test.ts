// The small pure parts deploy is built from: names, values, credentials, connection info, in-pod SQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNames } from '../../scripts/lib/cluster/preflight.ts';
import { diffValues, mergeValues } from '../../scripts/lib/deploy/values-diff.ts';
import { credentialsSecretManifest, generatePassword } from '../../scripts/lib/deploy/credentials.ts';
import { connectionInfo } from '../../scripts/lib/cluster/app-connection.ts';
import { appQueryCommand } from '../../scripts/lib/target/pod-sql.ts';
import { runtimeValues, valuesFiles, desiredValues } from '../../scripts/lib/deploy/values.ts';
import { failureEvidence, installArgs } from '../../scripts/lib/deploy/helm-install.ts';
import { postgresMajor } from '../../scripts/lib/deploy/chart-pin.ts';
import { CliError } from '../../scripts/lib/cli/errors.ts';

const names = { namespace: 'postgres', release: 'postgresql', database: 'learnflow', user: 'learnflow' };

test('names: Kubernetes labels and SQL identifiers, refused with exit 2', () => {
  assert.doesNotThrow(() => checkNames(names));
  for (const bad of [
    { namespace: 'Postgres' },
    { release: 'x'.repeat(54) },
    { database: 'learn-flow' },
    { user: 'postgres' },
  ]) {
    assert.throws(
      () => checkNames({ ...names, ...bad }),
      (e) => e instanceof CliError && e.exitCode === 2,
    );
  }
});

test('values merge like helm and diff as dotted paths', () => {
  const merged = mergeValues({ a: { b: 1, c: [1] }, d: 1 }, { a: { b: 2, c: [2] } });
  assert.deepEqual(merged, { a: { b: 2, c: [2] }, d: 1 });
  assert.deepEqual(diffValues({ a: { b: 1 }, x: 1 }, { a: { b: 2 }, y: 2 }), [
    { path: 'a.b', from: 1, to: 2 },
    { path: 'x', from: 1, to: undefined },
    { path: 'y', from: undefined, to: 2 },
  ]);
});

test('generated passwords are 32 URL-safe characters and differ', () => {
  const a = generatePassword();
  assert.match(a, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(a, generatePassword());
});

test('the Secret manifest carries both keys base64-encoded and is not Helm-managed', () => {
  const m = credentialsSecretManifest({
    name: 's',
    namespace: 'n',
    release: 'r',
    adminPassword: 'A',
    userPassword: 'U',
  }) as {
    data: Record<string, string>;
    metadata: { labels: Record<string, string> };
  };
  assert.deepEqual(m.data, { 'postgres-password': 'QQ==', password: 'VQ==' });
  assert.equal(m.metadata.labels['app.kubernetes.io/managed-by'], 'postgres-k8s-setup');
});

test('connection info: in-cluster host, masked URL unless asked, port-forward line', () => {
  const o = {
    release: 'postgresql',
    namespace: 'postgres',
    database: 'learnflow',
    user: 'learnflow',
    secret: 's',
    password: 'pw-123456',
  };
  assert.equal(
    connectionInfo({ ...o, showSecrets: false }).url,
    'postgresql://learnflow:****@postgresql.postgres.svc.cluster.local:5432/learnflow',
  );
  assert.equal(
    connectionInfo({ ...o, showSecrets: true }).url,
    'postgresql://learnflow:pw-123456@postgresql.postgres.svc.cluster.local:5432/learnflow',
  );
  assert.equal(
    connectionInfo({ ...o, showSecrets: false }).portForward,
    'kubectl port-forward -n postgres svc/postgresql 5432:5432',
  );
});

test('in-pod SQL reads the password file inside the pod; the SQL is an argument, not code', () => {
  const cmd = appQueryCommand("select 'x'");
  assert.equal(cmd[0], 'sh');
  assert.match(cmd[2] ?? '', /PGPASSWORD="\$\(cat "\$POSTGRES_PASSWORD_FILE"\)"/);
  assert.deepEqual(cmd.slice(3), ['sh', "select 'x'"]);
});

test('deploy values: base, overlay, runtime; a bad overlay or size is a usage error', () => {
  const files = valuesFiles('minikube');
  assert.equal(files.length, 2);
  assert.throws(
    () => valuesFiles('nope'),
    (e) => e instanceof CliError && e.exitCode === 2,
  );
  assert.throws(
    () => runtimeValues({ secret: 's', user: 'u', database: 'd', storageSize: '8GB', storageClass: 'standard' }),
    CliError,
  );
  const runtime = runtimeValues({
    secret: 's',
    user: 'u',
    database: 'd',
    storageSize: '8Gi',
    storageClass: 'standard',
  });
  const v = desiredValues(files, runtime) as {
    image: { repository: string };
    primary: { resources: { limits: { memory: string } }; persistence: { size: string } };
  };
  assert.equal(v.image.repository, 'bitnamilegacy/postgresql');
  assert.equal(v.primary.resources.limits.memory, '768Mi');
  assert.equal(v.primary.persistence.size, '8Gi');
});

test('install argv: pinned chart, values files last, Helm 3 and 4 wait flags', () => {
  const req = { release: 'postgresql', namespace: 'postgres', files: ['base.yaml'], runtime: {}, timeoutMs: 300_000 };
  assert.deepEqual(installArgs({ ...req, helmMajor: 4 }, 'rt.json'), [
    'upgrade',
    '--install',
    'postgresql',
    'oci://registry-1.docker.io/bitnamicharts/postgresql',
    '--version',
    '16.7.27',
    '--namespace',
    'postgres',
    '-f',
    'base.yaml',
    '-f',
    'rt.json',
    '--wait=watcher',
    '--rollback-on-failure',
    '--timeout',
    '5m0s',
  ]);
  assert.deepEqual(installArgs({ ...req, helmMajor: 3 }, 'rt.json').slice(-4), [
    '--wait',
    '--atomic',
    '--timeout',
    '5m0s',
  ]);
});

test('PostgreSQL major from an appVersion', () => {
  assert.equal(postgresMajor('17.6.0'), 17);
  assert.equal(postgresMajor('latest'), null);
});

test('a failed install is explained by the look that says most, unless the pod has since changed', () => {
  const live = {
    code: 'crash-loop',
    message: 'keeps crashing (restarts 3): FATAL: incompatible',
    fix: 'logs',
  } as const;
  // The rollback tore the pod down between reading its status and its log: the same problem, less evidence.
  const torn = { code: 'crash-loop', message: 'keeps crashing (restarts 4)', fix: 'logs' } as const;
  const gone = { code: 'pod-missing', message: 'no pod', fix: 'deploy' } as const;
  const other = { code: 'oom-killed', message: 'OOMKilled', fix: 'memory' } as const;
  assert.equal(failureEvidence(live, torn), live);
  // Polled again while the rollback runs: a torn look must not replace the whole one, nor hide a later one.
  assert.equal(failureEvidence(torn, live), live);
  assert.equal(failureEvidence(live, gone), live);
  assert.equal(failureEvidence(live, null), live);
  assert.equal(failureEvidence(live, other), other);
  assert.equal(failureEvidence(null, torn), torn);
  assert.equal(failureEvidence(null, null), null);
});
