import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartFullname, chartNames } from '../../scripts/lib/cluster/chart-names.ts';

test('fullname: the release when it contains "postgresql", else <release>-postgresql (common _names.tpl)', () => {
  assert.equal(chartFullname('postgresql'), 'postgresql');
  assert.equal(chartFullname('app-postgresql-prod'), 'app-postgresql-prod');
  assert.equal(chartFullname('ldb'), 'ldb-postgresql');
  assert.deepEqual(chartNames('ldb'), {
    fullname: 'ldb-postgresql',
    statefulSet: 'ldb-postgresql',
    pod: 'ldb-postgresql-0',
    pvc: 'data-ldb-postgresql-0',
    service: 'ldb-postgresql',
    headlessService: 'ldb-postgresql-hl',
  });
});

test('fullname is cut to 63 characters, as trunc 63 does (a 53-character release, the longest helm takes)', () => {
  assert.equal(chartFullname('a'.repeat(53)), `${'a'.repeat(53)}-postgresq`);
  assert.equal(chartFullname('b'.repeat(52)), `${'b'.repeat(52)}-postgresql`);
});
