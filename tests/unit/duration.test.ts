import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseDurationMs } from '../../scripts/lib/cli/duration.ts';

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
