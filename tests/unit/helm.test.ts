import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  classifyHelmFailure,
  createHelm,
  getValuesArgs,
  helmFailureError,
  helmVersionArgs,
  helmWaitFlags,
  listArgs,
  parseHelmVersion,
  statusArgs,
  uninstallArgs,
  upgradeInstallArgs,
  type UpgradeInstallOptions,
} from '../../scripts/lib/cluster/helm.ts';
import { CliError, formatError } from '../../scripts/lib/cli/errors.ts';

const base: UpgradeInstallOptions = {
  release: 'postgresql',
  chart: 'oci://registry-1.docker.io/bitnamicharts/postgresql',
  version: '16.7.27',
  namespace: 'postgres',
  valuesFiles: ['helm-values/base.yaml', 'helm-values/minikube.yaml'],
  set: { 'auth.existingSecret': 'postgresql-credentials', 'image.tag': '17.10' },
  helmMajor: 3,
  timeoutMs: 300_000,
  createNamespace: true,
};
const headArgs = [
  'upgrade',
  '--install',
  'postgresql',
  'oci://registry-1.docker.io/bitnamicharts/postgresql',
  '--version',
  '16.7.27',
  '--namespace',
  'postgres',
  '--create-namespace',
  '-f',
  'helm-values/base.yaml',
  '-f',
  'helm-values/minikube.yaml',
  '--set-string',
  'auth.existingSecret=postgresql-credentials',
  '--set-string',
  'image.tag=17.10',
];

test('parseHelmVersion accepts Helm 3 and 4 short versions', () => {
  assert.deepEqual(parseHelmVersion('v3.17.3+g1234567\n'), { major: 3, minor: 17, patch: 3, raw: 'v3.17.3+g1234567' });
  assert.deepEqual(parseHelmVersion('v4.1.4+gabc'), { major: 4, minor: 1, patch: 4, raw: 'v4.1.4+gabc' });
  assert.equal(parseHelmVersion('v3.17.3').minor, 17);
  assert.deepEqual(helmVersionArgs(), ['version', '--short']);
});

test('parseHelmVersion rejects Helm 2 and garbage as error-class CliErrors', () => {
  for (const bad of ['Client: v2.17.0+ga690bad', 'command not understood', '']) {
    assert.throws(
      () => parseHelmVersion(bad),
      (err: unknown) => err instanceof CliError && err.exitCode === 3,
      bad,
    );
  }
});

test('wait flags: Helm 3 --wait --atomic, Helm 4 --wait=watcher --rollback-on-failure, Go timeouts', () => {
  assert.deepEqual(helmWaitFlags(3, 300_000), ['--wait', '--atomic', '--timeout', '5m0s']);
  assert.deepEqual(helmWaitFlags(4, 90_000), ['--wait=watcher', '--rollback-on-failure', '--timeout', '1m30s']);
});

test('upgrade --install argv for Helm 3 and Helm 4 (values stay strings via --set-string)', () => {
  assert.deepEqual(upgradeInstallArgs(base), [...headArgs, '--wait', '--atomic', '--timeout', '5m0s']);
  assert.deepEqual(upgradeInstallArgs({ ...base, helmMajor: 4 }), [
    ...headArgs,
    '--wait=watcher',
    '--rollback-on-failure',
    '--timeout',
    '5m0s',
  ]);
  const minimal = upgradeInstallArgs({ ...base, valuesFiles: [], set: undefined, createNamespace: false });
  assert.ok(!minimal.includes('--create-namespace') && !minimal.includes('--set-string') && !minimal.includes('-f'));
});

test('status, list, get values and uninstall argv', () => {
  assert.deepEqual(statusArgs('postgresql', 'postgres'), [
    'status',
    'postgresql',
    '--namespace',
    'postgres',
    '-o',
    'json',
  ]);
  assert.deepEqual(listArgs('postgres', 3), ['list', '--namespace', 'postgres', '--all', '-o', 'json']);
  assert.deepEqual(listArgs('postgres', 4), ['list', '--namespace', 'postgres', '-o', 'json']);
  assert.deepEqual(getValuesArgs('postgresql', 'postgres'), [
    'get',
    'values',
    'postgresql',
    '--namespace',
    'postgres',
    '-o',
    'json',
  ]);
  assert.deepEqual(uninstallArgs('postgresql', 'postgres'), [
    'uninstall',
    'postgresql',
    '--namespace',
    'postgres',
    '--wait',
  ]);
});

test('classifier on real helm error texts (Helm 3 and 4 spellings)', () => {
  const host = 'Get "https://127.0.0.1:6443/version": dial tcp 127.0.0.1:6443: connect: connection refused';
  assert.equal(classifyHelmFailure(`Error: Kubernetes cluster unreachable: ${host}\n`), 'unreachable');
  assert.equal(classifyHelmFailure(`Error: kubernetes cluster unreachable: ${host}\n`), 'unreachable');
  assert.equal(classifyHelmFailure('Error: release: not found\n'), 'release-not-found');
  assert.equal(
    classifyHelmFailure('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n'),
    'operation-in-progress',
  );
  assert.equal(classifyHelmFailure('Error: INSTALLATION FAILED: chart "nope" not found\n'), 'other');
});

test('helm failures become one line with the recovery command', () => {
  const stuck = {
    stdout: '',
    stderr: 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n',
    exitCode: 1,
    timedOut: false,
  };
  assert.equal(
    formatError(helmFailureError(stuck, { what: 'upgrade', release: 'postgresql', namespace: 'postgres' })),
    'error: release postgresql is being changed by another helm operation (another deploy is running?): UPGRADE ' +
      'FAILED: another operation (install/upgrade/rollback) is in progress (fix: wait for it to finish, then npm ' +
      'run -s db:deploy (only if none runs any more: helm rollback postgresql -n postgres))',
  );
});

const dir = mkdtempSync(join(tmpdir(), 'helm-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fake = join(dir, 'helm');
writeFileSync(
  fake,
  `#!/bin/sh\nprintf '%s\\n' "$*" >> "${dir}/calls"\n[ "$1" = version ] && echo v4.1.4+gabc\nexit 0\n`,
);
chmodSync(fake, 0o755);

test('runner: version() runs helm once per instance; --kube-context goes after the subcommand', async () => {
  const helm = createHelm({ bin: fake, context: 'minikube', timeoutMs: 5000 });
  const [a, b] = await Promise.all([helm.version(), helm.version()]);
  assert.equal(a.major, 4);
  assert.equal((await helm.version()).raw, b.raw);
  await helm.run(statusArgs('postgresql', 'postgres'));
  assert.deepEqual(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n'), [
    'version --short',
    'status postgresql --namespace postgres -o json --kube-context minikube',
  ]);
});
