import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBackupFile, writeManifest, type BackupManifest } from '../../scripts/lib/archive/backup-files.ts';
import { CliError } from '../../scripts/lib/cli/errors.ts';
import { confirmDestructive } from '../../scripts/lib/cli/confirm.ts';
import { parsePublicSchema, publicSchemaSql, restoreCommand } from '../../scripts/lib/backup/restore-stream.ts';
import { copyStateSql, swapSql } from '../../scripts/lib/backup/database-swap.ts';
import { createDatabaseSql } from '../../scripts/lib/backup/scratch-database.ts';
import { sessionName } from '../../scripts/lib/target/session-tag.ts';

function backupWithManifest(content: string, patch: Partial<BackupManifest> = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rs-')), 'b.dump');
  writeFileSync(file, content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  writeManifest(
    {
      file,
      sizeBytes: content.length,
      sha256,
      format: 'pg_dump -Fc',
      release: 'r',
      namespace: 'n',
      database: 'd',
      serverVersion: '17',
      schemaVersion: null,
      createdAt: 'now',
      ...patch,
    },
    file,
  );
  return file;
}

const usage =
  (pattern: RegExp) =>
  (err: unknown): boolean =>
    err instanceof CliError && err.exitCode === 2 && pattern.test(err.message);

test('a backup file is accepted only when size and sha256 match its manifest', async () => {
  assert.equal((await checkBackupFile(backupWithManifest('PGDMP data'))).database, 'd');
  await assert.rejects(
    checkBackupFile(backupWithManifest('PGDMP data', { sizeBytes: 99 })),
    usage(/is 10 bytes but its backup wrote 99: truncated/),
  );
  await assert.rejects(
    checkBackupFile(backupWithManifest('PGDMP data', { sha256: 'f'.repeat(64) })),
    usage(/does not match its manifest .*corrupted/),
  );
  await assert.rejects(checkBackupFile('/nonexistent/x.dump'), usage(/not found/));
  const bare = join(mkdtempSync(join(tmpdir(), 'rs-')), 'bare.dump');
  writeFileSync(bare, 'x');
  await assert.rejects(checkBackupFile(bare), usage(/no readable manifest/));
});

test('the restore reads its password in the pod and lets pg_restore itself restore into the scratch database', () => {
  const [sh, , script, , scratch, publicSql, , marker] = restoreCommand('pgk8s_scratch_0a', 'select 1', 'n0nce');
  assert.equal(sh, 'sh');
  assert.match(script ?? '', /PGPASSWORD="\$\(cat "\$POSTGRES_PASSWORD_FILE"\)"/);
  assert.match(script ?? '', new RegExp(`PGAPPNAME=${sessionName('restore')};`));
  // One transaction that stops at the first error, into the database named by the first argument only.
  assert.match(
    script ?? '',
    /pg_restore --no-owner --single-transaction --exit-on-error -v -U "\$POSTGRES_USER" -d "\$1" &&/,
  );
  assert.doesNotMatch(script ?? '', /pgk8s_scratch|select 1/, 'names and SQL travel as arguments, never in the script');
  // The marker is printed only after pg_restore exited 0 and the tables were listed.
  assert.match(script ?? '', /-c "\$3" && printf '%s\\n' "\$4"$/);
  assert.deepEqual([scratch, publicSql, marker], ['pgk8s_scratch_0a', 'select 1', 'restore-done-n0nce']);
});

test('schema public is made again in the scratch database only when the app user owned it', () => {
  assert.deepEqual(parsePublicSchema("t|t|f|it's|ours"), {
    ours: true,
    usage: true,
    create: false,
    comment: "it's|ours",
  });
  assert.equal(
    publicSchemaSql(parsePublicSchema("t|t|f|it's")),
    'drop schema public; create schema public; grant usage on schema public to public; ' +
      "comment on schema public is 'it''s'",
  );
  assert.equal(publicSchemaSql(parsePublicSchema('f|t|t|')), 'select 1');
});

test("a scratch database is made like the live one, for each major version's locale columns", () => {
  const base = {
    owner: 'learnflow',
    encoding: 'UTF8',
    tablespace: 'pg_default',
    datcollate: 'en_US.UTF-8',
    datctype: 'en_US.UTF-8',
  };
  assert.equal(
    createDatabaseSql('pgk8s_scratch_1', { ...base, datlocprovider: 'c', daticulocale: null }),
    'create database "pgk8s_scratch_1" with template template0 owner "learnflow" encoding \'UTF8\' ' +
      "lc_collate 'en_US.UTF-8' lc_ctype 'en_US.UTF-8' tablespace \"pg_default\" locale_provider libc",
  );
  assert.match(
    createDatabaseSql('s', { ...base, datlocprovider: 'i', daticulocale: 'und', daticurules: '&a < b' }),
    /locale_provider icu icu_locale 'und' icu_rules '&a < b'$/,
  );
  assert.match(
    createDatabaseSql('s', { ...base, datlocprovider: 'b', datlocale: 'C.UTF-8' }),
    /builtin_locale 'C.UTF-8'$/,
  );
  // Before 15 there is no provider column: libc is all there is.
  assert.match(createDatabaseSql('s', base), /tablespace "pg_default"$/);
});

const liveState = {
  role: { rolname: 'learnflow' },
  roleSettings: [
    { db: '', config: ['statement_timeout=0'] },
    { db: 'learnflow', config: ['search_path=app, public'] },
    { db: 'other', config: ['work_mem=1MB'] },
  ],
  database: {
    datname: 'learnflow',
    datconnlimit: 20,
    datallowconn: true,
    datistemplate: false,
    datacl: '{=Tc/learnflow,learnflow=CTc/learnflow}',
  },
  databaseSettings: ['work_mem=8MB'],
};

test('the restored database gets what belongs to the live database and to no backup of it', () => {
  const sql = copyStateSql(
    liveState,
    { comment: "LearnFlow's", roleSettings: [{ role: 'reader', config: ['default_transaction_read_only=on'] }] },
    'learnflow',
    'pgk8s_scratch_1',
  );
  assert.deepEqual(sql, [
    'alter database "pgk8s_scratch_1" with connection limit 20',
    "update pg_database set datacl = '{=Tc/learnflow,learnflow=CTc/learnflow}'::aclitem[] " +
      "where datname = 'pgk8s_scratch_1'",
    'alter database "pgk8s_scratch_1" reset all',
    'alter database "pgk8s_scratch_1" set "work_mem" = \'8MB\'',
    'alter role "learnflow" in database "pgk8s_scratch_1" set "search_path" = \'app\', \'public\'',
    'alter role "reader" in database "pgk8s_scratch_1" set "default_transaction_read_only" = \'on\'',
    "comment on database \"pgk8s_scratch_1\" is 'LearnFlow''s'",
  ]);
  const noAcl = copyStateSql(
    { ...liveState, database: { ...liveState.database, datacl: null } },
    { comment: null, roleSettings: [] },
    'learnflow',
    's',
  );
  assert.match(noAcl[1] ?? '', /set datacl = null where datname = 's'$/);
  assert.ok(!noAcl.some((l) => l.startsWith('comment')));
});

test('the swap closes the live database, renames both in one transaction, and reopens it if that failed', () => {
  const lines = swapSql('learnflow', 'pgk8s_scratch_1', 'pgk8s_replaced_1').split('\n');
  assert.equal(lines[0], 'alter database "learnflow" with allow_connections false;');
  assert.match(
    lines[1] ?? '',
    /pg_terminate_backend\(pid\).*where datname = 'learnflow' and pid <> pg_backend_pid\(\) \\gset$/,
  );
  assert.ok(lines[1]?.includes(`'${sessionName('')}'`), "this run's own sessions are not counted as the app's");
  assert.deepEqual(lines.slice(2, 6), [
    'begin;',
    'alter database "learnflow" rename to "pgk8s_replaced_1";',
    'alter database "pgk8s_scratch_1" rename to "learnflow";',
    'commit;',
  ]);
  const reopen = lines.indexOf('\\else');
  assert.ok(reopen > 6 && lines[reopen + 1] === 'alter database "learnflow" with allow_connections true;');
  assert.equal(lines.at(-1), "select :pgk8s_ended || '|' || :'pgk8s_swapped';");
});

test('destructive actions need --yes without a terminal', async () => {
  await confirmDestructive({ yes: true, what: 'x', withYes: 'cmd --yes' });
  if (!process.stdin.isTTY) {
    await assert.rejects(
      confirmDestructive({ yes: false, what: 'drop it', withYes: 'cmd --yes' }),
      (e) =>
        e instanceof CliError && e.fix === 'cmd --yes' && /this will drop it; there is no terminal/.test(e.message),
    );
  }
});

test('the role guard names what an archive changed (never a value) and builds the SQL that puts it back', async () => {
  const { describeChanges, repairSql } = await import('../../scripts/lib/backup/role-guard.ts');
  const before = {
    role: {
      rolname: 'learnflow',
      rolpassword: 'SCRAM-SHA-256$4096:a',
      rolvaliduntil: null,
      rolconnlimit: -1,
      rolcanlogin: true,
    },
    roleSettings: [{ db: '', config: ['search_path=app, public'] }],
    database: {
      datname: 'learnflow',
      datconnlimit: -1,
      datallowconn: true,
      datistemplate: false,
      datacl: '{=Tc/learnflow,learnflow=CTc/learnflow}',
    },
    databaseSettings: [],
  };
  const after = {
    ...before,
    role: { ...before.role, rolpassword: "md5x'y", rolconnlimit: 0 },
    roleSettings: [{ db: '', config: ['search_path=app, public', 'statement_timeout=1ms'] }],
    databaseSettings: ['work_mem=64kB'],
    database: { ...before.database, datacl: '{=Tc/learnflow,learnflow=T/learnflow}' },
  };
  assert.deepEqual(describeChanges(before, after), [
    "the app role's password",
    "the app role's connlimit",
    "the app role's settings (search_path, statement_timeout)",
    "the database's privileges",
    "the database's settings (work_mem)",
  ]);
  assert.match(
    repairSql(before, after).join('\n'),
    /^update pg_database set datacl = '\{=Tc\/learnflow,learnflow=CTc\/learnflow\}'::aclitem\[\] where datname = 'l/m,
  );
  const sql = repairSql(before, after).join('\n');
  assert.ok(!sql.includes('md5x'), "the archive's hash is not what goes back");
  assert.match(sql, /^alter role "learnflow" with connection limit -1 password 'SCRAM-SHA-256\$4096:a'$/m);
  assert.match(sql, /^alter role "learnflow" reset all$/m);
  // A list setting goes back as its items, not as one quoted name.
  assert.match(sql, /^alter role "learnflow" set "search_path" = 'app', 'public'$/m);
  assert.match(sql, /^alter database "learnflow" reset all$/m);
  assert.doesNotMatch(sql, /work_mem/);
  assert.deepEqual(describeChanges(before, before), []);
});

test('the room a restore needs: the database, its WAL up to max_wal_size, and a margin', async () => {
  const { roomNeeded } = await import('../../scripts/lib/backup/room-check.ts');
  const MiB = 1024 * 1024;
  assert.equal(roomNeeded(100 * MiB, 1024 * MiB), 232 * MiB);
  // Beyond max_wal_size a checkpoint recycles WAL: a big database needs about itself plus max_wal_size.
  assert.equal(roomNeeded(10_000 * MiB, 1024 * MiB), 11_056 * MiB);
});

test("pg_restore's error is told without its progress lines and the context around it", async () => {
  const { restoreErrors } = await import('../../scripts/lib/backup/restore-stream.ts');
  const stderr = [
    'pg_restore: connecting to database for restore',
    'pg_restore: creating TABLE "public.t"',
    'pg_restore: processing data for table "public.t"',
    'pg_restore: while PROCESSING TOC:',
    'pg_restore: from TOC entry 3350; 0 16390 TABLE DATA t learnflow',
    'pg_restore: error: could not execute query: ERROR:  division by zero',
    'Command was: select 1/0;',
  ];
  assert.equal(restoreErrors(stderr), 'ERROR:  division by zero');
  assert.equal(
    restoreErrors(['pg_restore: error: could not read from input file: end of file']),
    'could not read from input file: end of file',
  );
  assert.equal(restoreErrors(['sh: 1: pg_restore: not found', '']), 'sh: 1: pg_restore: not found');
});
