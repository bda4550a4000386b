import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonStdout, runProcess } from '../../scripts/lib/cli/process-runner.ts';
import { CliError, formatError } from '../../scripts/lib/cli/errors.ts';
import { clearSecrets, registerSecret } from '../../scripts/lib/cli/redact.ts';

beforeEach(() => clearSecrets());

test('stdout and stderr stay apart and the exit code passes through', async () => {
  const r = await runProcess('sh', ['-c', 'echo out; echo err >&2; exit 3']);
  assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', exitCode: 3, timedOut: false });
});

test('input goes to stdin and env is added on top of process.env', async () => {
  const r = await runProcess('sh', ['-c', 'cat; printf "%s|%s" "$EXTRA" "${PATH:+has-path}"'], {
    input: 'from-stdin\n',
    env: { EXTRA: 'x1' },
  });
  assert.equal(r.stdout, 'from-stdin\nx1|has-path');
});

test('a timeout kills the child promptly and reports timedOut', async () => {
  const started = Date.now();
  const r = await runProcess('sleep', ['10'], { timeoutMs: 200 });
  assert.equal(r.timedOut, true);
  assert.notEqual(r.exitCode, 0);
  assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
});

test('a child ignoring SIGTERM is SIGKILLed after the grace period, even if a grandchild holds the pipes', async () => {
  const started = Date.now();
  const r = await runProcess('sh', ['-c', 'trap "" TERM; sleep 5 & wait'], { timeoutMs: 100 });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, 128 + 9);
  assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
});

test('a missing binary is a one-line error naming the tool and its env variable', async () => {
  await assert.rejects(
    runProcess('kubectl-does-not-exist-xyz', ['version'], { toolName: 'kubectl', envVar: 'KUBECTL' }),
    (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.exitCode, 3);
      assert.equal(
        formatError(err),
        'error: kubectl not found on PATH (fix: install kubectl or set KUBECTL=/path/to/kubectl)',
      );
      return true;
    },
  );
  await assert.rejects(
    runProcess('/nope/helm', [], { toolName: 'helm', envVar: 'HELM' }),
    /helm not found at \/nope\/helm/,
  );
});

test('a registered secret in argv stops the spawn', async () => {
  registerSecret('Pg-Secret-99');
  await assert.rejects(
    runProcess('echo', ['auth.password=Pg-Secret-99']),
    (err: unknown) => err instanceof CliError && err.exitCode === 3,
  );
});

test('parseJsonStdout reads stdout only and names the culprit on bad JSON', () => {
  const ok = { stdout: '{"kind":"Pod"}', stderr: 'Warning: deprecated\n', exitCode: 0, timedOut: false };
  assert.deepEqual(parseJsonStdout(ok, 'kubectl get pod'), { kind: 'Pod' });
  assert.throws(
    () => parseJsonStdout({ ...ok, stdout: '{"kind":' }, 'kubectl get pod'),
    /^CliError: kubectl get pod printed malformed JSON/,
  );
  assert.throws(() => parseJsonStdout({ ...ok, stdout: '' }, 'helm status'), /helm status printed no output/);
});
