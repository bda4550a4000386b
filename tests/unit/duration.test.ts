import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseDurationMs } from '../../scripts/lib/cli/duration.ts';
import { startDeadline } from '../../scripts/lib/cli/deadline.ts';

test('parses plain seconds and h/m/s combinations to milliseconds', () => {
  assert.equal(parseDurationMs('90'), 90_000);
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('5m'), 300_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('1h2m3s'), 3_723_000);
});

test('rejects text that is not a duration instead of guessing', () => {
  for (const bad of ['', 'abc', '5x', '1.5m', '-5s', '5s1m', '1m1m', 'm', '5 m']) {
    assert.equal(parseDurationMs(bad), null, bad);
  }
});

test('formats milliseconds the way Go (and helm --timeout) does', () => {
  assert.equal(formatGoDuration(300_000), '5m0s');
  assert.equal(formatGoDuration(90_000), '1m30s');
  assert.equal(formatGoDuration(30_000), '30s');
  assert.equal(formatGoDuration(3_600_000), '1h0m0s');
  assert.equal(formatGoDuration(0), '0s');
});

test('a sub-second duration rounds up so it never becomes "no timeout"', () => {
  assert.equal(formatGoDuration(1), '1s');
  assert.equal(formatGoDuration(1500), '2s');
});

test('a deadline shares one limit between the steps of a run', () => {
  let t = 1_000;
  const d = startDeadline(10_000, () => t);
  assert.equal(d.leftMs(), 10_000);
  t += 7_500;
  assert.equal(d.leftFor('helm', 'raise --timeout'), 2_000);
  t += 5_000;
  assert.equal(d.leftMs(), 0);
  assert.equal(d.leftMs(1_000), 1_000);
  assert.throws(
    () => d.leftFor('helm upgrade --install', 'npm run -s db:deploy -- --timeout 20s'),
    (e: Error & { exitCode?: number; fix?: string }) =>
      e.message === 'the run used its --timeout of 10s before helm upgrade --install started' &&
      e.exitCode === 3 &&
      e.fix === 'npm run -s db:deploy -- --timeout 20s',
  );
});
