import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { CliError, exitCodeOf, formatError, notOkError, toolError, usageError } from '../../scripts/lib/cli/errors.ts';
import { clearSecrets, registerSecret } from '../../scripts/lib/cli/redact.ts';

beforeEach(() => clearSecrets());

test('constructors map to the exit-code table', () => {
  assert.equal(usageError('x').exitCode, 2);
  assert.equal(toolError('x').exitCode, 3);
  assert.equal(notOkError('x').exitCode, 1);
  assert.equal(exitCodeOf(new Error('boom')), 3);
  assert.ok(usageError('x') instanceof CliError);
});

test('a CliError formats as one line with its fix', () => {
  const err = usageError('unknown flag --bogus', 'run "deploy.ts --help" for the flags');
  assert.equal(formatError(err), 'error: unknown flag --bogus (fix: run "deploy.ts --help" for the flags)');
});

test('multi-line messages collapse to one line; no stack without debug', () => {
  const err = toolError('kubectl failed:\nline two\n', 'retry');
  assert.equal(formatError(err), 'error: kubectl failed: line two (fix: retry)');
  const plain = formatError(new TypeError('cannot read x'));
  assert.equal(plain, 'error: cannot read x');
  assert.equal(formatError('a string was thrown'), 'error: a string was thrown');
});

test('debug adds the stack and the cause after the first line', () => {
  const cause = new Error('root cause');
  const text = formatError(toolError('outer', 'fix it', cause), { debug: true });
  const [first, ...rest] = text.split('\n');
  assert.equal(first, 'error: outer (fix: fix it)');
  assert.match(rest.join('\n'), /at .*errors\.test\.ts/);
  assert.match(rest.join('\n'), /caused by: Error: root cause/);
});

test('secrets are redacted from the message, fix and stack', () => {
  registerSecret('s3cr3t-pass');
  const text = formatError(toolError('auth failed for s3cr3t-pass', 'use s3cr3t-pass'), { debug: true });
  assert.doesNotMatch(text, /s3cr3t-pass/);
  assert.match(text, /^error: auth failed for \*\*\*\* \(fix: use \*\*\*\*\)/);
});
