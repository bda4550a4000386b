import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  classifyKubectlFailure,
  createFromStdinArgs,
  createKubectl,
  currentContextArgs,
  deleteArgs,
  execArgs,
  getArgs,
  kubectlBaseArgs,
  kubectlFailureError,
  logsArgs,
  versionArgs,
} from '../../scripts/lib/cluster/kubectl.ts';
import { CliError, formatError } from '../../scripts/lib/cli/errors.ts';

const UNREACHABLE =
  'E1125 14:00:00.000000   12345 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group ' +
  'list: Get \\"https://127.0.0.1:6443/api?timeout=32s\\": dial tcp 127.0.0.1:6443: connect: connection ' +
  'refused"\n' +
  'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n';
const NOT_FOUND = 'Error from server (NotFound): pods "postgresql-0" not found\n';
const FORBIDDEN =
  'Error from server (Forbidden): secrets "pg" is forbidden: User "dev" cannot get resource "secrets" in API group ' +
  '"" in the namespace "postgres"\n';
const failed = (stderr: string) => ({ stdout: '', stderr, exitCode: 1, timedOut: false });

test('base args: context, namespace and request timeout only when given', () => {
  assert.deepEqual(kubectlBaseArgs({}), []);
  assert.deepEqual(kubectlBaseArgs({ context: 'minikube', namespace: 'postgres', requestTimeoutMs: 30_000 }), [
    '--context',
    'minikube',
    '-n',
    'postgres',
    '--request-timeout=30s',
  ]);
});

test('get, create, delete, version and current-context argv', () => {
  assert.deepEqual(getArgs('pod', 'postgresql-0', { namespace: 'postgres', output: 'json' }), [
    'get',
    'pod',
    'postgresql-0',
    '-n',
    'postgres',
    '-o',
    'json',
  ]);
  assert.deepEqual(getArgs('storageclass', undefined, { output: 'jsonpath={.items[*].metadata.name}' }), [
    'get',
    'storageclass',
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  assert.deepEqual(createFromStdinArgs(), ['create', '-f', '-']);
  assert.deepEqual(createFromStdinArgs('postgres'), ['create', '-n', 'postgres', '-f', '-']);
  assert.deepEqual(deleteArgs('pod', 'postgresql-0', { namespace: 'postgres', ignoreNotFound: true }), [
    'delete',
    'pod',
    'postgresql-0',
    '-n',
    'postgres',
    '--ignore-not-found',
  ]);
  assert.deepEqual(versionArgs(), ['version', '-o', 'json']);
  assert.deepEqual(currentContextArgs(), ['config', 'current-context']);
});

test('exec: -i only with stdin, never -t, command after --', () => {
  const command = ['psql', '-v', 'ON_ERROR_STOP=1', '-f', '-'];
  assert.deepEqual(
    execArgs({ namespace: 'postgres', pod: 'postgresql-0', container: 'postgresql', stdin: true, command }),
    [
      'exec',
      '-i',
      '-n',
      'postgres',
      'postgresql-0',
      '-c',
      'postgresql',
      '--',
      'psql',
      '-v',
      'ON_ERROR_STOP=1',
      '-f',
      '-',
    ],
  );
  const noStdin = execArgs({ namespace: 'postgres', pod: 'postgresql-0', stdin: false, command: ['pg_isready'] });
  assert.deepEqual(noStdin, ['exec', '-n', 'postgres', 'postgresql-0', '--', 'pg_isready']);
  assert.ok(!noStdin.includes('-t') && !noStdin.includes('-it'));
});

test('logs: tail and previous', () => {
  assert.deepEqual(
    logsArgs({ namespace: 'postgres', pod: 'postgresql-0', container: 'postgresql', tail: 50, previous: true }),
    ['logs', 'postgresql-0', '-n', 'postgres', '-c', 'postgresql', '--tail', '50', '--previous'],
  );
  assert.deepEqual(logsArgs({ namespace: 'postgres', pod: 'postgresql-0' }), [
    'logs',
    'postgresql-0',
    '-n',
    'postgres',
  ]);
});

test('classifier on real kubectl error texts', () => {
  assert.equal(classifyKubectlFailure(UNREACHABLE), 'unreachable');
  assert.equal(
    classifyKubectlFailure('Unable to connect to the server: dial tcp: lookup nope: no such host\n'),
    'unreachable',
  );
  assert.equal(
    classifyKubectlFailure('Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout\n'),
    'unreachable',
  );
  assert.equal(classifyKubectlFailure(NOT_FOUND), 'not-found');
  assert.equal(classifyKubectlFailure(FORBIDDEN), 'forbidden');
  assert.equal(classifyKubectlFailure('error: unable to upgrade connection: container not found ("x")\n'), 'other');
});

test("unreachable becomes one line with kubectl's own sentence and the fix", () => {
  const line = formatError(
    kubectlFailureError(failed(UNREACHABLE), { context: 'minikube', what: 'get pod postgresql-0' }),
  );
  assert.equal(
    line,
    'error: cluster unreachable (context "minikube"): The connection to the server 127.0.0.1:6443 was refused - ' +
      'did you specify the right host or port? ' +
      '(fix: start the cluster, e.g. "minikube start", or pick one with --context)',
  );
  const onlyKlog = formatError(kubectlFailureError(failed(UNREACHABLE.split('\n')[0] ?? ''), { what: 'get pods' }));
  assert.match(onlyKlog, /^error: cluster unreachable \(current context\): "Unhandled Error" err="couldn't get/);
  assert.match(
    formatError(kubectlFailureError({ ...failed(''), timedOut: true }, { what: 'get pods', timeoutMs: 90_000 })),
    /kubectl get pods timed out after 1m30s/,
  );
  // The limit the runner applied, when the caller does not repeat it (it said "after 0s").
  assert.match(
    formatError(kubectlFailureError({ ...failed(''), timedOut: true, timeoutMs: 5000 }, { what: 'delete pvc x' })),
    /kubectl delete pvc x timed out after 5s/,
  );
});

// A stand-in kubectl that records its argv and answers like the real one for three pods.
const dir = mkdtempSync(join(tmpdir(), 'kubectl-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fake = join(dir, 'kubectl');
writeFileSync(
  fake,
  `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/calls"
case "$*" in
  *" present "*) echo '{"kind":"Pod","metadata":{"name":"present"}}' ;;
  *" missing "*) echo 'Error from server (NotFound): pods "missing" not found' >&2; exit 1 ;;
  *) printf '%s' '${UNREACHABLE.replace(/'/g, `'"'"'`)}' >&2; exit 1 ;;
esac
`,
);
chmodSync(fake, 0o755);

test('runner: getJson returns the object, null on NotFound, and throws on unreachable', async () => {
  const kubectl = createKubectl({ bin: fake, context: 'kind-dev', timeoutMs: 5000 });
  assert.deepEqual(await kubectl.getJson('pod', 'present', 'postgres'), { kind: 'Pod', metadata: { name: 'present' } });
  assert.equal(await kubectl.getJson('pod', 'missing', 'postgres'), null);
  await assert.rejects(
    kubectl.getJson('pod', 'other', 'postgres'),
    (err: unknown) => err instanceof CliError && err.exitCode === 3 && /context "kind-dev"/.test(err.message),
  );
  const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  assert.equal(calls[0], '--context kind-dev get pod present -n postgres -o json');
  assert.equal(calls.length, 3);
});
