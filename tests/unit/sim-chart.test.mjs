// What the simulated chart renders, and which images pull after Bitnami's 2025 catalog change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imagePullError, lookupChart, renderRelease, setValue, quantityBytes } from '../sim/lib/chart.mjs';

const chart = lookupChart('oci://registry-1.docker.io/bitnamicharts/postgresql', '16.7.27');

test('unknown chart versions and references are reported', () => {
  assert.equal(lookupChart('oci://registry-1.docker.io/bitnamicharts/postgresql', '0.0.1').error, 'unknown-version');
  assert.equal(lookupChart('oci://example.org/postgresql', '1.0.0').error, 'unknown-chart');
});

test('versioned docker.io/bitnami tags no longer pull; latest and legacy tags do', () => {
  assert.match(imagePullError('docker.io/bitnami/postgresql:17.6.0-debian-12-r4'), /manifest unknown/);
  assert.equal(imagePullError('docker.io/bitnami/postgresql:latest'), null);
  assert.equal(imagePullError(`docker.io/bitnamilegacy/postgresql:${chart.imageTag}`), null);
  assert.match(imagePullError('docker.io/bitnamilegacy/postgresql:99.0.0-debian-12-r1'), /manifest unknown/);
});

test('a substituted image needs allowInsecureImages; bitnamilegacy only warns from common 2.31.4', () => {
  const values = { image: { repository: 'library/postgres' } };
  assert.equal(renderRelease({ release: 'postgresql', chart, values }).error, 'insecure-images');
  values.global = { security: { allowInsecureImages: true } };
  assert.equal(
    renderRelease({ release: 'postgresql', chart, values }).image,
    `docker.io/library/postgres:${chart.imageTag}`,
  );
  const legacy = { image: { repository: 'bitnamilegacy/postgresql' } };
  assert.equal(renderRelease({ release: 'postgresql', chart, values: legacy }).error, undefined);
  const older = lookupChart('oci://registry-1.docker.io/bitnamicharts/postgresql', '16.7.24');
  assert.equal(renderRelease({ release: 'postgresql', chart: older, values: legacy }).error, 'insecure-images');
});

test('existingSecret, custom user and the nano preset as the chart renders them', () => {
  const r = renderRelease({
    release: 'postgresql',
    chart,
    values: { auth: { username: 'learnflow', database: 'learnflow', existingSecret: 'creds' } },
  });
  assert.equal(r.generateSecret, false);
  assert.deepEqual(r.secretFiles.password, { secret: 'creds', key: 'password' });
  assert.equal(r.env.POSTGRES_PASSWORD_FILE, '/opt/bitnami/postgresql/secrets/password');
  assert.equal(r.resources.limits.memory, '192Mi');
  assert.equal(r.fullname, 'postgresql');
});

test('fullname as common.names.fullname renders it: release, <release>-postgresql, override, cut to 63', () => {
  const name = (release, values = {}) => renderRelease({ release, chart, values }).fullname;
  assert.equal(name('my-postgresql'), 'my-postgresql');
  assert.equal(name('ldb'), 'ldb-postgresql');
  assert.equal(name('ldb', { nameOverride: 'pg' }), 'ldb-pg');
  assert.equal(name('ldb', { nameOverride: 'db' }), 'ldb');
  assert.equal(name('ldb', { fullnameOverride: 'pg' }), 'pg');
  assert.equal(name('a'.repeat(53)), `${'a'.repeat(53)}-postgresq`);
  assert.equal(name('ldb', { fullnameOverride: `${'x'.repeat(62)}-y` }), 'x'.repeat(62));
});

test('--set and --set-string follow helm strvals', () => {
  const v = {};
  setValue(v, 'primary.persistence.size=2Gi');
  setValue(v, 'a.enabled=true');
  setValue(v, 'a.count=3');
  setValue(v, 'a.s=3', { string: true });
  setValue(v, 'b\\.c=d');
  assert.deepEqual(v, {
    primary: { persistence: { size: '2Gi' } },
    a: { enabled: true, count: 3, s: '3' },
    'b.c': 'd',
  });
});

test('quantities', () => {
  assert.equal(quantityBytes('256Mi'), 256 * 1024 * 1024);
  assert.equal(quantityBytes('8Gi'), 8 * 1024 ** 3);
  assert.equal(quantityBytes('1G'), 1e9);
  assert.equal(quantityBytes('lots'), null);
});
