// The simulation's pflag-compatible parser: the rules kubectl and helm share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseFlags, parseGoDuration } from '../sim/lib/flags.mjs';

const spec = {
  namespace: { short: 'n', type: 'string' },
  stdin: { short: 'i', type: 'bool' },
  tty: { short: 't', type: 'bool' },
  values: { short: 'f', type: 'array' },
  wait: { type: 'optional', optDefault: 'watcher' },
  watch: { short: 'w', type: 'bool', simulated: false },
};

test('long, short, attached and = forms all set values', () => {
  const { flags, positionals } = parseFlags(['-n', 'a', 'pod', '--values=x.yaml', '-fy.yaml', '-it'], spec);
  assert.deepEqual(flags, { namespace: 'a', values: ['x.yaml', 'y.yaml'], stdin: true, tty: true });
  assert.deepEqual(positionals, ['pod']);
});

test('-- ends the flags and keeps the rest verbatim', () => {
  const { flags, dashArgs } = parseFlags(['-i', 'pod', '--', 'psql', '-n', '--x'], spec);
  assert.equal(flags.stdin, true);
  assert.deepEqual(dashArgs, ['psql', '-n', '--x']);
});

test('an optional-value flag alone takes its default, a value needs =', () => {
  assert.equal(parseFlags(['--wait'], spec).flags.wait, 'watcher');
  assert.equal(parseFlags(['--wait=legacy'], spec).flags.wait, 'legacy');
  assert.deepEqual(parseFlags(['--wait', 'legacy'], spec).positionals, ['legacy']);
});

test('unknown flags and shorthands fail with pflag texts', () => {
  assert.throws(() => parseFlags(['--bogus'], spec), { message: 'unknown flag: --bogus' });
  assert.throws(() => parseFlags(['-iZ'], spec), { message: "unknown shorthand flag: 'Z' in -iZ" });
  assert.throws(() => parseFlags(['--namespace'], spec), { message: 'flag needs an argument: --namespace' });
});

test('a bool given a non-bool value is rejected as strconv.ParseBool does', () => {
  assert.throws(() => parseFlags(['--stdin=watcher'], spec), {
    message: 'invalid argument "watcher" for "-i, --stdin" flag: strconv.ParseBool: parsing "watcher": invalid syntax',
  });
});

test('a real but unmodelled flag is refused as not simulated', () => {
  assert.throws(
    () => parseFlags(['-w'], spec),
    (err) => err instanceof FlagError && err.kind === 'not-simulated',
  );
});

test('Go durations', () => {
  assert.equal(parseGoDuration('5m0s'), 300_000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('32'), 32_000);
  assert.equal(parseGoDuration('soon'), null);
  assert.equal(parseGoDuration('5x'), null);
});
