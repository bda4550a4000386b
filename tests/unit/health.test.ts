// verify's probe output parser and the thresholds that turn numbers into problems and warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProbeOutput, probeCommand } from '../../scripts/lib/verify/health-probe.ts';
import { assessProbe, migrationVersions, podProbeHints } from '../../scripts/lib/verify/health-assessment.ts';

const ctx = {
  hints: podProbeHints({ namespace: 'postgres', pod: 'postgresql-0', secret: 's' }),
  localMigrations: [] as string[],
};
const healthy = [
  'volume 1000 100 900',
  'latency 0.5',
  'facts {"version" : "17.6 (Debian)", "max_connections" : 100, "reserved" : 3, "connections" : 2, "database_size" ' +
    ': 4096}',
  'probe-end',
].join('\n');

test('the probe reads passwords from the mounted files, never from argv', () => {
  const cmd = probeCommand();
  assert.deepEqual(cmd.slice(0, 2), ['sh', '-c']);
  assert.match(cmd[2] ?? '', /\$POSTGRES_PASSWORD_FILE/);
  assert.doesNotMatch(cmd.join(' '), /PGPASSWORD=[^"$]/);
});

test('parse: volume, latency, facts, migrations table or none', () => {
  const r = parseProbeOutput(`${healthy}\nmigrations ["1","2"]`);
  assert.deepEqual(r.volume, { sizeBytes: 1000, usedBytes: 100, availBytes: 900 });
  assert.equal(r.latencyMs, 0.5);
  assert.equal(r.facts?.max_connections, 100);
  assert.deepEqual(r.migrations, ['1', '2']);
  assert.equal(parseProbeOutput(healthy).migrations, null);
});

test('healthy numbers give no findings', () => {
  const a = assessProbe(parseProbeOutput(healthy), ctx);
  assert.deepEqual([a.problems, a.warnings], [[], []]);
  assert.deepEqual(a.details.connections, { used: 2, max: 100, percent: 2 });
  assert.equal(a.details.serverVersion, '17.6');
});

test('volume: warning from 85 %, problem from 95 %', () => {
  assert.equal(
    assessProbe(parseProbeOutput(healthy.replace('volume 1000 100 900', 'volume 1000 860 140')), ctx).warnings[0]?.code,
    'volume-high',
  );
  assert.equal(
    assessProbe(parseProbeOutput(healthy.replace('volume 1000 100 900', 'volume 1000 950 50')), ctx).problems[0]?.code,
    'volume-full',
  );
});

test('connections: warning from 80 % in use; refused ones are a problem with the superuser count', () => {
  const busy = healthy.replace('"connections" : 2', '"connections" : 80');
  assert.equal(assessProbe(parseProbeOutput(busy), ctx).warnings[0]?.code, 'connections-high');
  const refused =
    'volume 1000 100 900\napp-error psql: error: FATAL:  sorry, too many clients already\nadmin {"connections" : ' +
    '97, "max_connections" : 100, "reserved" : 3}\nprobe-end';
  const p = assessProbe(parseProbeOutput(refused), ctx).problems[0];
  assert.equal(p?.code, 'connections-exhausted');
  assert.match(p?.message ?? '', /97 client connections of max_connections 100 \(3 reserved for superusers\)/);
});

test('a rejected password is its own problem', () => {
  const r = parseProbeOutput(
    'app-error psql: error: FATAL:  password authentication failed for user "learnflow"\nprobe-end',
  );
  assert.equal(assessProbe(r, ctx).problems[0]?.code, 'password-mismatch');
});

test('pending migrations: local versions not in schema_migrations, a warning', () => {
  const a = assessProbe(parseProbeOutput(`${healthy}\nmigrations ["20260101000000"]`), {
    ...ctx,
    localMigrations: ['20260101000000', '20260102000000'],
  });
  assert.deepEqual(a.problems, []);
  assert.equal(a.warnings[0]?.code, 'migrations-pending');
  assert.deepEqual(a.details.migrations, { applied: 1, pending: ['20260102000000'] });
  assert.deepEqual(migrationVersions(['20260102000000_b.sql', 'README.md', '20260101000000_a.sql']), [
    '20260101000000',
    '20260102000000',
  ]);
});

test('a pending file migrate rolled back is named so, with both ways out', () => {
  const a = assessProbe(
    parseProbeOutput(`${healthy}\nmigrations ["20260101000000"]\nrolled-back ["20260101000000","20260102000000"]`),
    { ...ctx, localMigrations: ['20260101000000', '20260102000000'], migrationsDir: 'db/migrations' },
  );
  assert.deepEqual(a.warnings[0], {
    code: 'migrations-pending',
    message: '1 migration(s) not applied: 20260102000000 (rolled back: 20260102000000)',
    fix: 'npm run -s db:migrate, or to keep the rolled-back out: rm db/migrations/20260102000000_*.sql',
  });
});

test('a pending file that lint would refuse is named in the warning, with the lint first', () => {
  const a = assessProbe(parseProbeOutput(`${healthy}\nmigrations ["20260101000000"]`), {
    ...ctx,
    localMigrations: ['20260101000000', '20260102000000'],
    riskyMigrations: ['20260101000000', '20260102000000'],
  });
  assert.deepEqual(a.warnings[0], {
    code: 'migrations-pending',
    message: '1 migration(s) not applied: 20260102000000 (blocking lint finding, up would refuse: 20260102000000)',
    fix: 'npm run -s db:migrate -- lint --pending, then npm run -s db:migrate',
  });
});

test('an answer without its end marker (a cut exec stream) is never healthy', () => {
  const cut = healthy.replace('\nprobe-end', '');
  assert.equal(assessProbe(parseProbeOutput(cut), ctx).problems[0]?.code, 'probe-incomplete');
});

test("a volume that is the node's disk: no volume-full from the node's usage, a warning and the claim instead", () => {
  const full = healthy.replace('volume 1000 100 900', 'volume 1000 970 30');
  const claim = { bytes: 100, size: '100', storageClass: 'local-path' };
  // Larger than its claim: the node's disk.
  const big = assessProbe(parseProbeOutput(full), { ...ctx, claim });
  assert.deepEqual(big.problems, []);
  assert.deepEqual(
    big.warnings.map((w) => w.code),
    ['node-disk-high', 'database-over-claim'],
  );
  assert.deepEqual(big.details.volume, {
    usedBytes: 970,
    sizeBytes: 1000,
    percent: 97,
    enforced: false,
    claimBytes: 100,
  });
  // The same filesystem as the pod's /tmp, even if smaller than the claim.
  const shared = assessProbe(parseProbeOutput(`${full}\ndevices 64768 64768`), {
    ...ctx,
    claim: { ...claim, bytes: 5000 },
  });
  assert.equal(shared.details.volume?.enforced, false);
  assert.deepEqual(shared.problems, []);
  // A volume of its own, about the claim's size: full is full.
  const own = assessProbe(parseProbeOutput(`${full}\ndevices 41 64768`), { ...ctx, claim: { ...claim, bytes: 1024 } });
  assert.equal(own.problems[0]?.code, 'volume-full');
  assert.equal(own.details.volume?.enforced, true);
});

test('a probe answer cut inside a JSON line is incomplete, never a parse error', () => {
  for (const cut of ['facts {"version" : "17.6', 'migrations ["2026', 'admin {"connections"']) {
    const r = parseProbeOutput(`volume 1000 100 900\n${cut}`);
    assert.equal(r.complete, false);
    assert.equal(assessProbe(r, ctx).problems[0]?.code, 'probe-incomplete');
  }
});
