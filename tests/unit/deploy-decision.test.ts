import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideDeploy, type InstalledRelease } from '../../scripts/lib/deploy/decision.ts';

const desired = {
  chartVersion: '16.7.27',
  appVersion: '17.6.0',
  values: { auth: { username: 'learnflow' }, image: { tag: 'a' } },
};
const installed = (o: Partial<InstalledRelease> = {}): InstalledRelease => ({
  status: 'deployed',
  revision: 1,
  chartVersion: '16.7.27',
  appVersion: '17.6.0',
  values: structuredClone(desired.values),
  ...o,
});
const opts = { upgrade: false, allowMajorUpgrade: false };

test('nothing installed, or uninstalled with history: install', () => {
  assert.deepEqual(decideDeploy(null, desired, opts), { kind: 'install' });
  assert.deepEqual(decideDeploy(installed({ status: 'uninstalled' }), desired, opts), { kind: 'install' });
});

test('same chart and values: up to date', () => {
  assert.deepEqual(decideDeploy(installed(), desired, opts), { kind: 'up-to-date' });
});

test('different values or chart: offered without --upgrade, applied with it', () => {
  const old = installed({ chartVersion: '16.7.26', values: { auth: { username: 'learnflow' }, image: { tag: 'b' } } });
  const changes = ['chart: 16.7.26 → 16.7.27', 'image.tag: "b" → "a"'];
  assert.deepEqual(decideDeploy(old, desired, opts), { kind: 'differs', changes });
  assert.deepEqual(decideDeploy(old, desired, { ...opts, upgrade: true }), {
    kind: 'upgrade',
    changes,
    why: 'requested',
  });
});

test('a PostgreSQL major change is refused unless allowed, even with --upgrade', () => {
  const old = installed({ appVersion: '16.4.0' });
  assert.deepEqual(decideDeploy(old, desired, { upgrade: true, allowMajorUpgrade: false }), {
    kind: 'major-change',
    from: 16,
    to: 17,
  });
  assert.equal(decideDeploy(old, desired, { upgrade: true, allowMajorUpgrade: true }).kind, 'up-to-date');
});

test('failed releases are redeployed; pending and uninstalling ones are left alone', () => {
  assert.deepEqual(decideDeploy(installed({ status: 'failed' }), desired, opts), {
    kind: 'upgrade',
    changes: [],
    why: 'failed-release',
  });
  for (const status of ['pending-install', 'pending-upgrade', 'pending-rollback', 'uninstalling']) {
    assert.deepEqual(decideDeploy(installed({ status }), desired, { upgrade: true, allowMajorUpgrade: true }), {
      kind: 'in-progress',
      status,
    });
  }
});
