import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBackupFile, writeManifest, type BackupManifest } from '../../scripts/lib/archive/backup-files.ts';
import { CliError } from '../../scripts/lib/cli/errors.ts';
import { confirmDestructive } from '../../scripts/lib/cli/confirm.ts';
import { restoreCommand } from '../../scripts/lib/backup/restore-stream.ts';
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

test(
  'the restore reads its password in the pod, opens its own transaction and commits only after pg_restore read ' +
    'everything',
  () => {
    const [, , script, , prelude, epilogue] = restoreCommand('n0nce');
    assert.match(script ?? '', /PGPASSWORD="\$\(cat "\$POSTGRES_PASSWORD_FILE"\)"/);
    assert.match(
      script ?? '',
      /\{ printf "%s\\n" "\$1"; pg_restore --no-owner -v -f - && printf "%s\\n" "\$2"; \} \| psql .*-v ON_ERROR_STOP=1/,
    );
    assert.match(script ?? '', new RegExp(`PGAPPNAME=${sessionName('restore')};`));
    // Schema public's owner, grants and comment are captured before DROP OWNED and made again after it only when
    // the user owned it (the Bitnami image makes the app user its owner; pg_dump 15+ writes no CREATE SCHEMA public).
    const lines = (prelude ?? '').split('\n');
    assert.equal(lines[0], 'BEGIN;');
    assert.match(lines[1] ?? '', /^SELECT .*pgk8s_public_ours.* FROM pg_namespace WHERE nspname = 'public' \\gset$/);
    assert.match(lines[2] ?? '', /AS pgk8s_public_missing \\gset$/);
    assert.equal(lines[3], 'DROP OWNED BY CURRENT_USER;');
    assert.deepEqual(lines.slice(5, 7), ['\\if :pgk8s_public_ours', 'CREATE SCHEMA public;']);
    assert.equal(lines.at(-2), '\\endif');
    assert.equal(lines.at(-1), '\\echo restore-xid-n0nce :pgk8s_xid');
    // COMMIT only if the transaction is still the prelude's; the marker carries the run's nonce.
    assert.match(prelude ?? '', /^SELECT pg_current_xact_id\(\)::text AS pgk8s_xid \\gset$/m);
    assert.equal(
      epilogue,
      [
        "SELECT coalesce(pg_current_xact_id_if_assigned()::text = :'pgk8s_xid', false) AS pgk8s_ours \\gset",
        '\\if :pgk8s_ours',
        'COMMIT;',
        '\\echo restore-committed-n0nce',
        '\\else',
        '\\echo restore-transaction-lost-n0nce',
        '\\endif',
      ].join('\n'),
    );
  },
);

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
