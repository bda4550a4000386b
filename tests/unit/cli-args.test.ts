import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliArgs } from '../../scripts/lib/cli/args.ts';
import type { OptionSpec } from '../../scripts/lib/cli/option-spec.ts';
import { CliError, formatError } from '../../scripts/lib/cli/errors.ts';

const spec: OptionSpec[] = [
  { name: 'namespace', flag: 'namespace', short: 'n', type: 'string', description: 'ns' },
  { name: 'chartVersion', flag: 'chart-version', type: 'string', description: 'version' },
  { name: 'json', flag: 'json', type: 'boolean', description: 'json' },
  { name: 'retries', flag: 'retries', type: 'integer', description: 'n' },
  { name: 'timeout', flag: 'timeout', type: 'duration', default: '5m', description: 't' },
  { name: 'mode', flag: 'mode', type: 'string', choices: ['fast', 'safe'], description: 'm' },
];
const parse = (argv: string[], allowPositionals = false) =>
  parseCliArgs(spec, argv, { command: 'deploy.ts', allowPositionals });

function usageLine(argv: string[], allowPositionals = false): string {
  try {
    parse(argv, allowPositionals);
  } catch (err) {
    assert.ok(err instanceof CliError);
    assert.equal(err.exitCode, 2);
    const line = formatError(err);
    assert.ok(!line.includes('\n'), line);
    return line;
  }
  assert.fail(`expected a usage error for ${argv.join(' ')}`);
}

test('typed values keyed by camelCase name; strings stay strings ("1.10" is not 1.1)', () => {
  const got = parse([
    '-n',
    'db',
    '--chart-version',
    '1.10',
    '--json',
    '--retries',
    '3',
    '--timeout=1m30s',
    '--mode',
    'safe',
  ]);
  assert.deepEqual(got.values, {
    namespace: 'db',
    chartVersion: '1.10',
    json: true,
    retries: 3,
    timeout: 90_000,
    mode: 'safe',
  });
  assert.equal(got.help, false);
});

test('unknown flag is a one-line usage error pointing at --help', () => {
  assert.equal(usageLine(['--bogus']), 'error: unknown flag --bogus (fix: run "deploy.ts --help" for the flags)');
  assert.match(usageLine(['-z']), /^error: unknown flag -z /);
});

test('missing or empty value names the flag', () => {
  assert.match(usageLine(['--namespace']), /^error: flag --namespace needs a value/);
  assert.match(usageLine(['--namespace', '--json']), /^error: flag --namespace needs a value/);
  assert.match(usageLine(['--namespace=']), /^error: flag --namespace needs a value/);
  assert.match(usageLine(['--json=yes']), /^error: flag --json takes no value/);
});

test('bad integer, duration and choice name the flag and the value', () => {
  assert.match(usageLine(['--retries', '1.5']), /^error: --retries: "1.5" is not an integer/);
  assert.match(
    usageLine(['--timeout', '5 minutes']),
    /^error: --timeout: "5 minutes" is not a duration .*\(fix: pass e.g. --timeout=5m\)$/,
  );
  assert.match(usageLine(['--mode', 'yolo']), /^error: --mode: "yolo" is not one of fast, safe/);
});

test('--help and -h are always known', () => {
  assert.equal(parse(['--help']).help, true);
  assert.equal(parse(['-h']).help, true);
});

test('positionals only when the spec allows them', () => {
  assert.match(usageLine(['extra']), /^error: unexpected argument "extra"/);
  assert.deepEqual(parse(['file.sql', '--json', '--', '--literal'], true).positionals, ['file.sql', '--literal']);
});
