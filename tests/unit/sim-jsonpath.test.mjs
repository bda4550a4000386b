// kubectl's JSONPath subset as the simulation renders it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJsonPath } from '../sim/lib/jsonpath.mjs';

const pod = {
  metadata: { name: 'postgresql-0', annotations: { 'a.b/c': 'x' } },
  status: {
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
    containerStatuses: [{ name: 'postgresql', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
  },
};

test('fields, indexes and quoted keys', () => {
  assert.equal(renderJsonPath('{.metadata.name}', pod), 'postgresql-0');
  assert.equal(renderJsonPath('{.status.containerStatuses[0].restartCount}', pod), '2');
  assert.equal(renderJsonPath("{.metadata.annotations['a.b/c']}", pod), 'x');
});

test('filters select by field value', () => {
  assert.equal(renderJsonPath('{.status.conditions[?(@.type=="Ready")].status}', pod), 'False');
});

test('wildcards join with spaces; range repeats its body', () => {
  assert.equal(renderJsonPath('{.status.conditions[*].type}', pod), 'PodScheduled Ready');
  assert.equal(
    renderJsonPath('{range .status.conditions[*]}{.type}={.status}{"\\n"}{end}', pod),
    'PodScheduled=True\nReady=False\n',
  );
});

test('a missing key prints nothing, as kubectl allows missing keys', () => {
  assert.equal(renderJsonPath('{.status.podIP}', pod), '');
  assert.equal(renderJsonPath('a{.nope.deeper}b', pod), 'ab');
});

test('objects print as JSON', () => {
  assert.equal(
    renderJsonPath('{.status.containerStatuses[0].state}', pod),
    '{"waiting":{"reason":"CrashLoopBackOff"}}',
  );
});
