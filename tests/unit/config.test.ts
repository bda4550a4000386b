import { test, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeConfig, loadConfig } from '../../scripts/lib/cli/config.ts';
import type { OptionSpec } from '../../scripts/lib/cli/option-spec.ts';
import { COMMON_OPTIONS } from '../../scripts/lib/cli/common-options.ts';
import { CliError, formatError } from '../../scripts/lib/cli/errors.ts';
import { clearSecrets, redact } from '../../scripts/lib/cli/redact.ts';

const root = mkdtempSync(join(tmpdir(), 'config-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => clearSecrets());

let dirCount = 0;
function dirWith(files: { env?: string; local?: string }): string {
  const dir = join(root, String(dirCount++));
  mkdirSync(dir);
  if (files.env !== undefined) writeFileSync(join(dir, '.env'), files.env);
  if (files.local !== undefined) writeFileSync(join(dir, '.env.local'), files.local);
  return dir;
}

const spec = [
  { name: 'a', flag: 'a', env: 'A', type: 'string', default: 'from-default', description: 'a' },
  { name: 'b', flag: 'b', env: 'B', type: 'string', default: 'from-default', description: 'b' },
  { name: 'c', flag: 'c', env: 'C', type: 'string', default: 'from-default', description: 'c' },
  { name: 'd', flag: 'd', env: 'D', type: 'string', default: 'from-default', description: 'd' },
  { name: 'e', flag: 'e', env: 'E', type: 'string', default: 'from-default', description: 'e' },
] as const satisfies readonly OptionSpec[];

function loadError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CliError);
    assert.equal(err.exitCode, 2);
    return formatError(err);
  }
  assert.fail('expected a usage error');
}

test('precedence: flag > environment > .env.local > .env > default, with the source of each', () => {
  const cwd = dirWith({ env: 'A=dotenv\nB=dotenv\nC=dotenv\nD=dotenv\n', local: 'A=local\nB=local\nC=local\n' });
  const cfg = loadConfig(spec, { argv: ['--a', 'flag'], env: { A: 'env', B: 'env' }, cwd, command: 't.ts' });
  assert.deepEqual(cfg.values, { a: 'flag', b: 'env', c: 'local', d: 'dotenv', e: 'from-default' });
  assert.deepEqual(cfg.sources, { a: 'flag', b: 'env', c: '.env.local', d: '.env', e: 'default' });
});

test('missing .env files are fine and empty values count as unset', () => {
  const cwd = dirWith({ local: 'C=\n' });
  const cfg = loadConfig(spec, { argv: [], env: { B: '' }, cwd, command: 't.ts' });
  assert.equal(cfg.values.b, 'from-default');
  assert.equal(cfg.sources.c, 'default');
});

test('common options: defaults are typed (timeout in ms) and context stays unset', () => {
  const cfg = loadConfig(COMMON_OPTIONS, { argv: [], env: {}, cwd: dirWith({}), command: 't.ts' });
  const v = cfg.values;
  // Compile-time checks: the spec drives the value types (tsc fails if these drift).
  const typed: { timeout: number; json: boolean; namespace: string; context: string | undefined } = v;
  // @ts-expect-error context has no default, so it may be undefined
  const mustBeString: string = v.context;
  void typed;
  void mustBeString;
  assert.deepEqual(
    [v.json, v.debug, v.yes, v.showSecrets, v.kubectl, v.helm, v.namespace, v.release, v.context, v.timeout],
    [false, false, false, false, 'kubectl', 'helm', 'postgres', 'postgresql', undefined, 300_000],
  );
});

test('booleans from env accept 1/0/true/false/yes/no in any case, anything else names the source', () => {
  for (const [raw, want] of [
    ['1', true],
    ['YES', true],
    ['True', true],
    ['0', false],
    ['no', false],
    ['FALSE', false],
  ] as const) {
    const cfg = loadConfig(COMMON_OPTIONS, { argv: [], env: { OUTPUT_JSON: raw }, cwd: dirWith({}), command: 't.ts' });
    assert.equal(cfg.values.json, want, raw);
  }
  const line = loadError(() =>
    loadConfig(COMMON_OPTIONS, { argv: [], env: { ASSUME_YES: 'sure' }, cwd: dirWith({}), command: 't.ts' }),
  );
  assert.match(line, /^error: ASSUME_YES in the environment: "sure" is not a boolean/);
});

test('a malformed value in a dotenv file names the variable and the file', () => {
  const cwd = dirWith({ local: 'PG_TIMEOUT=soon\n', env: 'PG_TIMEOUT=5m\n' });
  const line = loadError(() => loadConfig(COMMON_OPTIONS, { argv: [], env: {}, cwd, command: 't.ts' }));
  assert.equal(
    line,
    'error: PG_TIMEOUT in .env.local: "soon" is not a duration (use e.g. 90, 30s, 5m, 1h, 1m30s) (fix: correct ' +
      'PG_TIMEOUT in .env.local)',
  );
  const intSpec = [{ name: 'port', flag: 'port', env: 'PORT', type: 'integer', description: 'p' }] as const;
  assert.match(
    loadError(() => loadConfig(intSpec, { argv: [], env: {}, cwd: dirWith({ env: 'PORT=54x\n' }), command: 't.ts' })),
    /PORT in \.env: "54x" is not an integer/,
  );
});

test('choices are validated from every source', () => {
  const choiceSpec = [
    {
      name: 'target',
      flag: 'target',
      env: 'TARGET',
      type: 'string',
      choices: ['cluster', 'local'],
      default: 'cluster',
      description: 't',
    },
  ] as const;
  const cwd = dirWith({ env: 'TARGET=moon\n' });
  assert.match(
    loadError(() => loadConfig(choiceSpec, { argv: [], env: {}, cwd, command: 't.ts' })),
    /TARGET in \.env: "moon" is not one of cluster, local/,
  );
  assert.equal(
    loadConfig(choiceSpec, { argv: ['--target', 'local'], env: {}, cwd, command: 't.ts' }).values.target,
    'local',
  );
});

test('--help skips env and dotenv so a broken file cannot hide the help', () => {
  const cwd = dirWith({ env: 'PG_TIMEOUT=never\n' });
  const cfg = loadConfig(COMMON_OPTIONS, { argv: ['--help'], env: { PG_DEBUG: 'express:*' }, cwd, command: 't.ts' });
  assert.equal(cfg.help, true);
});

test('secret options are registered for redaction and masked in the debug description', () => {
  const secretSpec = [
    { name: 'password', flag: 'password', env: 'PGPASSWORD', type: 'string', secret: true, description: 'pw' },
  ] as const;
  const cfg = loadConfig(secretSpec, {
    argv: [],
    env: {},
    cwd: dirWith({ local: 'PGPASSWORD=Very-Secret-1\n' }),
    command: 't.ts',
  });
  assert.equal(cfg.values.password, 'Very-Secret-1');
  assert.equal(redact('pw is Very-Secret-1'), 'pw is ****');
  assert.deepEqual(describeConfig(secretSpec, cfg), ['--password = **** (from .env.local)']);
});

test('a line of a dotenv file that is not KEY=VALUE names the file and the line, never its text', () => {
  const cwd = dirWith({ env: '# comment\n\nexport A=1\nB="two\nlines"\nC: yes\nthis is not a line=secret\nD=4\n' });
  assert.equal(
    loadError(() => loadConfig(COMMON_OPTIONS, { argv: [], env: {}, cwd, command: 't.ts' })),
    `error: .env line 7 is not KEY=VALUE (fix: correct line 7 of ${join(cwd, '.env')}, or put # in front of it)`,
  );
  // What dotenv reads somehow passes: a quote never closed, a backslash before the closing quote, U+2028,
  // old Mac line ends.
  const fine = dirWith({
    env: 'A=1 # note\nB=\'x\' # y\nC=`a\nb`\n  E = spaced\nF="C:\\backups\\"\nG=\u2028x\rH="never closed\nI=1\n',
  });
  assert.doesNotThrow(() => loadConfig(COMMON_OPTIONS, { argv: [], env: {}, cwd: fine, command: 't.ts' }));
});
