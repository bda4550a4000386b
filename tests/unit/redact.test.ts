import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoSecretsInArgv } from '../../scripts/lib/cli/argv-guard.ts';
import { clearSecrets, maskConnectionString, redact, registerSecret } from '../../scripts/lib/cli/redact.ts';
import { CliError } from '../../scripts/lib/cli/errors.ts';

beforeEach(() => clearSecrets());

test('registered secrets are replaced everywhere; short and empty values are ignored', () => {
  registerSecret('hunter22');
  registerSecret('abc');
  registerSecret('');
  registerSecret(undefined);
  assert.equal(redact('pw=hunter22 again hunter22, abc stays'), 'pw=**** again ****, abc stays');
});

test('overlapping secrets mask fully and percent-encoded spellings are caught', () => {
  registerSecret('pass');
  registerSecret('password/with+chars');
  assert.equal(redact('x password/with+chars y'), 'x **** y');
  assert.equal(redact('postgres://u:password%2Fwith%2Bchars@h/db'), 'postgres://u:****@h/db');
});

test('maskConnectionString hides the password (even with a raw "/") and keeps the rest', () => {
  assert.equal(
    maskConnectionString(
      'postgres://learnflow:Zx9-abc_DEF@postgresql.postgres.svc.cluster.local:5432/learnflow?sslmode=disable',
    ),
    'postgres://learnflow:****@postgresql.postgres.svc.cluster.local:5432/learnflow?sslmode=disable',
  );
  assert.equal(maskConnectionString('postgres://u:pa/ss@host/db'), 'postgres://u:****@host/db');
});

test('maskConnectionString leaves URLs without a password (and non-URLs) alone', () => {
  for (const url of [
    'postgres://learnflow@host:5432/db',
    'postgres://host:5432/db?user=a@b',
    'postgres://host/db',
    'not a url',
    '',
  ]) {
    assert.equal(maskConnectionString(url), url);
  }
});

test('assertNoSecretsInArgv throws an error-class CliError without echoing the secret', () => {
  registerSecret('topsecret');
  assert.doesNotThrow(() => assertNoSecretsInArgv(['exec', '-i', 'postgresql-0']));
  assert.throws(
    () => assertNoSecretsInArgv(['--set', 'auth.password=topsecret'], 'helm'),
    (err: unknown) =>
      err instanceof CliError &&
      err.exitCode === 3 &&
      /helm: argument 2/.test(err.message) &&
      !err.message.includes('topsecret'),
  );
});
