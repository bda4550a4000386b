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
      sinceMs: null,
    });
  }
});

test("helm list's updated reads as a time; pending for less than a deploy's time limit: one runs", async () => {
  const { helmTimeMs } = await import('../../scripts/lib/deploy/release-reader.ts');
  const { refuseBlocked } = await import('../../scripts/lib/deploy/decision.ts');
  assert.equal(helmTimeMs('2026-12-02 06:24:59.123456789 +0000 UTC'), Date.parse('2026-12-02T06:24:59.123Z'));
  assert.equal(helmTimeMs('2026-12-02 08:24:59 +0200 EET'), Date.parse('2026-12-02T06:24:59Z'));
  assert.equal(helmTimeMs('soon'), null);
  const ref = { release: 'r', namespace: 'n', timeoutMs: 300_000 };
  assert.throws(
    () => refuseBlocked({ kind: 'in-progress', status: 'pending-install', sinceMs: 12_000 }, ref),
    /pending-install since 12s ago: another deploy is running/,
  );
  assert.throws(
    () => refuseBlocked({ kind: 'in-progress', status: 'pending-upgrade', sinceMs: 3_600_000 }, ref),
    (e: unknown) => e instanceof Error && /another helm operation is in progress or was interrupted/.test(e.message),
  );
});
