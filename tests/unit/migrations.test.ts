import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbmateCandidates, dbmatePackageFor, localDbmateFor } from '../../scripts/lib/migrate/dbmate-binary.ts';
import { driverScript, parseDbmateError } from '../../scripts/lib/migrate/dbmate-in-pod.ts';
import { CliError } from '../../scripts/lib/cli/errors.ts';
import {
  newVersion,
  parseMigration,
  readMigrations,
  type MigrationFile,
} from '../../scripts/lib/schema/migration-files.ts';
import { planMigrations, rollbackTargets } from '../../scripts/lib/schema/migration-plan.ts';

const file = (version: string, body = 'select 1;', name = 'x'): MigrationFile =>
  parseMigration(
    `db/migrations/${version}_${name}.sql`,
    `${version}_${name}.sql`,
    `-- migrate:up\n${body}\n-- migrate:down\ndrop table x;\n`,
  );

test('migration files: named <digits>_<name>.sql, an up section required, transaction:false and down noticed', () => {
  const f = parseMigration(
    'm/20261125000001_users.sql',
    '20261125000001_users.sql',
    '-- migrate:up transaction:false\ncreate index concurrently i on t (x);\n-- migrate:down\n-- nothing\n',
  );
  assert.deepEqual(
    [f.version, f.name, f.transactional, f.hasDown, f.sha256.length],
    ['20261125000001', 'users', false, false, 64],
  );
  assert.equal(file('1').transactional, true);
  assert.equal(file('1').hasDown, true);
  assert.throws(
    () => parseMigration('m/users.sql', 'users.sql', '-- migrate:up\n'),
    (e) => e instanceof CliError && e.exitCode === 2 && /not named <digits>_<name>\.sql/.test(e.message),
  );
  assert.throws(() => parseMigration('m/1_a.sql', '1_a.sql', 'create table a ();'), /no "-- migrate:up" section/);
});

test('reading a directory: numeric order, duplicate versions refused, a missing directory is empty', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mig-'));
  for (const n of ['10_b.sql', '9_a.sql', 'README.md']) writeFileSync(join(dir, n), '-- migrate:up\nselect 1;\n');
  assert.deepEqual(
    readMigrations(dir).map((f) => f.version),
    ['9', '10'],
  );
  writeFileSync(join(dir, '10_c.sql'), '-- migrate:up\n');
  assert.throws(() => readMigrations(dir), /have the same version 10/);
  assert.deepEqual(readMigrations(join(dir, 'nope')), []);
  assert.equal(newVersion(new Date('2026-11-25T14:30:05.999Z')), '20261125143005');
});

test('plan: pending, drift, missing files, out of order, unrecorded checksums', () => {
  const [a, b, c, d] = [file('1'), file('2'), file('3'), file('0')];
  const plan = planMigrations(
    [d!, a!, b!, c!],
    [
      { version: '1', sha256: a!.sha256 },
      { version: '2', sha256: 'f'.repeat(64) },
      { version: '5', sha256: null },
    ],
  );
  assert.deepEqual(
    plan.pending.map((f) => f.version),
    ['0', '3'],
  );
  assert.deepEqual(
    plan.drifted.map((x) => x.file.version),
    ['2'],
  );
  assert.deepEqual(plan.missing, ['5']);
  assert.deepEqual(
    plan.outOfOrder.map((f) => f.version),
    ['0', '3'],
  );
  assert.equal(plan.latestApplied, '5');
  const fresh = planMigrations([a!, b!], [{ version: '1', sha256: null }]);
  assert.deepEqual(
    [fresh.unrecorded.map((f) => f.version), fresh.outOfOrder, fresh.pending.map((f) => f.version)],
    [['1'], [], ['2']],
  );
  assert.deepEqual(
    rollbackTargets(
      [
        { version: '9', sha256: null },
        { version: '10', sha256: null },
        { version: '2', sha256: null },
      ],
      2,
    ),
    ['10', '9'],
  );
});

test("dbmate for the pod: its architecture decides, not the host's", () => {
  assert.equal(dbmatePackageFor('x86_64\n'), '@dbmate/linux-x64');
  assert.equal(dbmatePackageFor('aarch64'), '@dbmate/linux-arm64');
  assert.equal(dbmatePackageFor('armv7l'), '@dbmate/linux-arm');
  assert.equal(dbmatePackageFor('i686'), '@dbmate/linux-ia32');
  assert.equal(dbmatePackageFor('s390x'), null);
  assert.deepEqual(
    dbmateCandidates('@dbmate/linux-arm64', '2.36.0', '/p').map((c) => c.path),
    [
      '/p/node_modules/@dbmate/linux-arm64/bin/dbmate',
      '/p/node_modules/.cache/dbmate/@dbmate+linux-arm64@2.36.0/dbmate',
    ],
  );
});

test('dbmate for the pod: an unknown architecture or a missing --dbmate-binary is a clear error', async () => {
  await assert.rejects(localDbmateFor('s390x'), /dbmate has no linux build for "s390x"/);
  await assert.rejects(
    localDbmateFor('x86_64', { override: '/nonexistent/dbmate' }),
    (e) => e instanceof CliError && e.exitCode === 2,
  );
});

test("dbmate's error text taken apart: line, SQLSTATE, message", () => {
  assert.deepEqual(
    parseDbmateError(
      'Error: line: 4, column: 1, position: 78: pq: syntax error at or near "selec" at position 4:1 (42601)\n',
    ),
    {
      message: 'syntax error at or near "selec"',
      line: 4,
      sqlstate: '42601',
    },
  );
  assert.deepEqual(
    parseDbmateError('Applying: x\nError: pq: duplicate key value violates unique constraint "b_pkey" (23505)'),
    {
      message: 'duplicate key value violates unique constraint "b_pkey"',
      line: null,
      sqlstate: '23505',
    },
  );
});

test('the driver script writes each file byte for byte, reads the password from its file, not the URL', () => {
  const tricky = parseMigration(
    'db/migrations/1_tricky.sql',
    '1_tricky.sql',
    "-- migrate:up\nselect '$HOME `x`' as \"it's\";\nEOF\n-- migrate:down\n\\ no newline at the end",
  );
  const plain = file('2');
  const work = mkdtempSync(join(tmpdir(), 'driver-'));
  const fakeDbmate = join(work, 'dbmate');
  // The stand-in dbmate copies the directory it was given and records its arguments and password.
  writeFileSync(
    fakeDbmate,
    '#!/bin/sh\ncp "$3"/* "$OUT"/ && echo "$1 $2 DIR $4 $5" > "$OUT/args" && echo "$PGPASSWORD" > "$OUT/password"\n',
    { mode: 0o755 },
  );
  writeFileSync(join(work, 'pw'), 'pw-from-file');
  const out = join(work, 'out');
  mkdirSync(out);
  const script = driverScript(
    [tricky, plain],
    { kind: 'migrate', strict: true },
    { socketDir: '/tmp', port: 5432 },
    { lockTimeoutMs: 5000 },
    fakeDbmate,
  );
  assert.match(
    script,
    new RegExp(
      String.raw`DATABASE_URL="postgres://\$\{POSTGRES_USER\}@:5432/\$\{POSTGRES_DATABASE:-\$POSTGRES_USER\}` +
        String.raw`\?socket=%2Ftmp&sslmode=disable&application_name=pgk8s-[0-9a-f]{8}-migrate&lock_timeout=5000"`,
    ),
  );
  const r = spawnSync('sh', ['-s'], {
    input: script,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, POSTGRES_PASSWORD_FILE: join(work, 'pw'), POSTGRES_USER: 'app', OUT: out },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(out, '1_tricky.sql'), 'utf8'), tricky.content);
  assert.equal(readFileSync(join(out, '2_x.sql'), 'utf8'), plain.content);
  assert.equal(
    readFileSync(join(out, 'args'), 'utf8').trim(),
    '--no-dump-schema --migrations-dir DIR migrate --strict',
  );
  assert.equal(readFileSync(join(out, 'password'), 'utf8').trim(), 'pw-from-file');
  assert.doesNotMatch(script, /pw-from-file/);
  assert.match(
    driverScript(
      [tricky],
      { kind: 'rollback', steps: 3 },
      { socketDir: '/tmp', port: 5432 },
      { lockTimeoutMs: 5000, statementTimeoutMs: 60_000 },
      "/it's/dbmate",
    ),
    /while \[ "\$i" -lt 3 \]; do '\/it'\\''s\/dbmate' --no-dump-schema --migrations-dir "\$d" rollback \|\| exit \$\?/,
  );
});

test('the pinned dbmate version is the one package.json installs for x64 pods', async () => {
  const { DBMATE_VERSION } = await import('../../scripts/lib/migrate/dbmate-binary.ts');
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    optionalDependencies: Record<string, string>;
  };
  assert.equal(pkg.optionalDependencies['@dbmate/linux-x64'], DBMATE_VERSION);
  const { SQUAWK_VERSION } = await import('../../scripts/lib/schema/squawk-binary.ts');
  assert.equal(pkg.optionalDependencies['@squawk-cli/linux-x64'], SQUAWK_VERSION);
});

test('dbmate for a platform: the pinned version where it is published, else the newest release', async () => {
  const { chooseDbmateVersion } = await import('../../scripts/lib/migrate/dbmate-release.ts');
  // What the registry lists for @dbmate/linux-arm64 and @dbmate/linux-x64.
  assert.equal(chooseDbmateVersion(['2.6.0', '2.15.0', '2.17.0', '2.24.0'], '2.36.0'), '2.24.0');
  assert.equal(chooseDbmateVersion(['2.24.0', '2.36.0', '2.37.0'], '2.36.0'), '2.36.0');
  // Numeric order, not text order; pre-releases are never chosen.
  assert.equal(chooseDbmateVersion(['2.9.0', '2.10.0', '2.11.0-rc.1'], '3.0.0'), '2.10.0');
  assert.equal(chooseDbmateVersion([], '2.36.0'), null);
});

test('the tables a down section drops or truncates, not those in comments, strings or the up section', async () => {
  const { tablesEmptiedBy } = await import('../../scripts/lib/schema/down-effects.ts');
  const content =
    '-- migrate:up\ncreate table a (id int);\n-- migrate:down\n-- drop table not_this;\n' +
    'drop table if exists a, public.b;\nTRUNCATE TABLE "C";\nselect \'drop table nor_this\';\n';
  assert.deepEqual(tablesEmptiedBy({ content }), ['a', 'public.b', '"C"']);
  const upAfter = '-- migrate:down\ndrop table x;\n-- migrate:up\ndrop table y;';
  assert.deepEqual(tablesEmptiedBy({ content: upAfter }), ['x']);
  assert.deepEqual(tablesEmptiedBy({ content: '-- migrate:up\ndrop table y;' }), []);
  assert.deepEqual(tablesEmptiedBy({ content: '-- migrate:down\ndrop table "My Notes", naïve;' }), [
    '"My Notes"',
    'naïve',
  ]);
});

test('the down statements that lose data without naming a table: drop column, drop schema, delete, DO', async () => {
  const { otherDataLossIn } = await import('../../scripts/lib/schema/down-effects.ts');
  const content =
    '-- migrate:down\nalter table users drop column nick; drop schema extra cascade;\n' +
    'alter table users drop constraint c; delete from t; DO $$ begin drop table x; end $$;\n';
  assert.deepEqual(otherDataLossIn({ content }), ['alter table … drop', 'drop schema', 'delete from', 'do']);
  assert.deepEqual(otherDataLossIn({ content: '-- migrate:down\nalter table users drop constraint c;\n' }), []);
});

test('a lock wait names the session that held the table, once, or says it has gone', async () => {
  const { describeLockWait } = await import('../../scripts/lib/migrate/lock-holders.ts');
  const api = { pid: 42, application: 'api', state: 'idle in transaction', table: 'users' };
  assert.equal(
    describeLockWait(5000, [api]),
    'waited 5s for a lock on users held by pid 42 (application_name api, idle in transaction)',
  );
  assert.match(describeLockWait(null, [api, { ...api, pid: 43 }]), /^waited its own lock_timeout .* \(and 1 more/);
  assert.equal(describeLockWait(5000, []), 'waited 5s for a lock (its holder has ended since)');
});

test('lint input: the up section alone, line numbers kept, wrapped in the transaction dbmate runs it in', async () => {
  const { lintInput } = await import('../../scripts/lib/schema/migration-lint.ts');
  const { parseAllow } = await import('../../scripts/lib/migrate/lint.ts');
  const { parseMigration } = await import('../../scripts/lib/schema/migration-files.ts');
  const text = '-- a note\n-- migrate:up\ncreate index i on t (x);\n-- migrate:down\ndrop table t;\n';
  assert.equal(
    lintInput(parseMigration('m/1_a.sql', '1_a.sql', text)),
    '\nbegin;\ncreate index i on t (x);\n\n\n\ncommit;\n',
  );
  const loose = text.replace('migrate:up', 'migrate:up transaction:false');
  assert.equal(lintInput(parseMigration('m/1_a.sql', '1_a.sql', loose)), '\n\ncreate index i on t (x);\n\n\n\n');
  assert.deepEqual(
    [...parseAllow('adding-required-field, ban-drop-column')],
    ['adding-required-field', 'ban-drop-column'],
  );
  assert.throws(() => parseAllow('Bad Rule'), /--allow takes squawk rule names/);
  assert.throws(() => parseAllow(''), /--allow takes squawk rule names/);
});
