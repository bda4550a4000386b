import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantityBytes } from '../../scripts/lib/cluster/quantity.ts';
import {
  planStorage,
  refuseStorageChange,
  volumeSpec,
  type ClaimFacts,
} from '../../scripts/lib/deploy/storage-plan.ts';
import { CliError } from '../../scripts/lib/cli/errors.ts';

const spec = (size: string, storageClass = 'standard', accessModes = ['ReadWriteOnce']) => ({
  size,
  storageClass,
  accessModes,
});
const claim = (requested: string, o: Partial<ClaimFacts> = {}): ClaimFacts => ({
  name: 'data-postgresql-0',
  requested,
  capacity: requested,
  storageClass: 'standard',
  accessModes: ['ReadWriteOnce'],
  expandable: false,
  ...o,
});

test('quantities compare as bytes, binary and decimal', () => {
  assert.equal(quantityBytes('8Gi'), 8 * 2 ** 30);
  assert.equal(quantityBytes('8192Mi'), quantityBytes('8Gi'));
  assert.equal(quantityBytes('1G'), 1e9);
  assert.equal(quantityBytes('1e3'), 1000);
  assert.equal(quantityBytes('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(quantityBytes('2048'), 2048);
  for (const bad of ['', 'Gi', '8GB', '-1Gi', '8 Gi x']) assert.equal(quantityBytes(bad), null, bad);
});

test('a release values without persistence get the chart defaults', () => {
  assert.deepEqual(volumeSpec({}), spec('8Gi', ''));
  assert.deepEqual(volumeSpec({ primary: { persistence: { size: '2Gi', storageClass: 'x' } } }), spec('2Gi', 'x'));
});

test('the same volume, in any spelling, is unchanged; a claim grown by hand does not matter', () => {
  assert.deepEqual(planStorage({ template: spec('8Gi'), claim: claim('8Gi') }, spec('8192Mi')), { kind: 'unchanged' });
  assert.deepEqual(planStorage({ template: spec('8Gi'), claim: claim('16Gi') }, spec('8Gi')), { kind: 'unchanged' });
  // No explicit class asked: any class of the template matches.
  assert.deepEqual(planStorage({ template: spec('8Gi'), claim: claim('8Gi') }, spec('8Gi', '')), {
    kind: 'unchanged',
  });
});

test('bigger: grown where the class allows it, refused with the reason where not', () => {
  const live = { template: spec('8Gi'), claim: claim('8Gi', { expandable: true }) };
  assert.deepEqual(planStorage(live, spec('16Gi')), {
    kind: 'grow',
    claim: 'data-postgresql-0',
    from: '8Gi',
    to: '16Gi',
  });
  const refused = planStorage({ template: spec('8Gi'), claim: claim('8Gi') }, spec('16Gi'));
  assert.equal(refused.kind, 'refuse');
  assert.match(
    refused.kind === 'refuse' ? refused.reason : '',
    /StorageClass standard does not allow volume expansion/,
  );
});

test('smaller than the capacity, another class or other access modes: refused', () => {
  const live = { template: spec('8Gi'), claim: claim('8Gi', { expandable: true }) };
  const reason = (d: ReturnType<typeof spec>): string => {
    const p = planStorage(live, d);
    return p.kind === 'refuse' ? p.reason : p.kind;
  };
  assert.match(reason(spec('4Gi')), /cannot shrink \(data-postgresql-0 has 8Gi, asked 4Gi\)/);
  assert.match(reason(spec('8Gi', 'fast')), /StorageClass cannot change in place \(standard → fast\)/);
  assert.match(reason(spec('8Gi', 'standard', ['ReadWriteMany'])), /access modes cannot change/);
});

test('a claim already as big as asked, or none at all: only the StatefulSet follows', () => {
  // A grow whose helm upgrade never ran: the claim has 16Gi, the template still says 8Gi.
  const grown = { template: spec('8Gi'), claim: claim('16Gi') };
  assert.deepEqual(planStorage(grown, spec('16Gi')), { kind: 'recreate-statefulset' });
  assert.deepEqual(planStorage({ template: spec('8Gi'), claim: null }, spec('16Gi')), {
    kind: 'recreate-statefulset',
  });
  // While the resize runs, capacity trails the request: no second patch.
  const resizing = { template: spec('8Gi'), claim: claim('16Gi', { capacity: '8Gi' }) };
  assert.deepEqual(planStorage(resizing, spec('16Gi')), { kind: 'recreate-statefulset' });
});

test('no StatefulSet (a claim kept by uninstall): the claim must still get the size asked for', () => {
  assert.deepEqual(planStorage({ template: null, claim: null }, spec('16Gi')), { kind: 'unchanged' });
  assert.deepEqual(planStorage({ template: null, claim: claim('16Gi') }, spec('8Gi')), { kind: 'unchanged' });
  assert.equal(planStorage({ template: null, claim: claim('8Gi') }, spec('16Gi')).kind, 'refuse');
  assert.equal(planStorage({ template: null, claim: claim('8Gi', { expandable: true }) }, spec('16Gi')).kind, 'grow');
});

test("the way out keeps the user's own flags, quoted, and names a new release", () => {
  assert.throws(
    () =>
      refuseStorageChange(
        { reason: 'r' },
        {
          release: 'ldb',
          deployArgs: ['-n', 'other', '--release=ldb', '--storage-size', '16Gi', '--upgrade', '--json'],
        },
      ),
    (e) =>
      e instanceof CliError &&
      e.exitCode === 2 &&
      e.message === 'r; nothing changed' &&
      e.fix ===
        'npm run -s db:backup -- --out backups/ldb-before-volume-change.dump && npm run -s db:deploy -- -n other ' +
          '--storage-size 16Gi --release ldb-2 && ' +
          'npm run -s db:backup -- restore backups/ldb-before-volume-change.dump --release ldb-2 --yes',
  );
  assert.throws(
    () => refuseStorageChange({ reason: 'r' }, { release: 'p', deployArgs: ['--release', 'p', '--overlay', "a b'c"] }),
    (e) => e instanceof CliError && (e.fix ?? '').includes(`--overlay 'a b'\\''c' --release p-2`),
  );
});
