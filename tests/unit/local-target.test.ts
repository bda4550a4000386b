// The local target's pure parts: where PostgreSQL is looked for, what a missing one says, the
// environment local commands get, and the hints that carry --target into suggested commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  candidateDirs,
  findPostgresBinaries,
  INSTALL_HINT,
  LOCAL_PROGRAMS,
} from '../../scripts/lib/target/local-binaries.ts';
import { localEnv } from '../../scripts/lib/target/exec-target.ts';
import { localPaths } from '../../scripts/lib/target/local-server.ts';
import { setCommandEnv, withCommandEnv } from '../../scripts/lib/cli/command-hints.ts';
import { chooseTarget } from '../../scripts/lib/cli/target-choice.ts';

/** A directory of stand-in programs whose `postgres --version` says `version`. */
function fakeInstall(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-pg-'));
  for (const p of LOCAL_PROGRAMS) {
    writeFileSync(join(dir, p), `#!/bin/sh\necho "${p} (PostgreSQL) ${version}"\n`);
    chmodSync(join(dir, p), 0o755);
  }
  return dir;
}

test('PATH first, then pg_config, then versioned install roots; no duplicates', () => {
  const dirs = candidateDirs('/a:/b::/a', '/usr/lib/postgresql/15/bin');
  assert.deepEqual(dirs.slice(0, 3), ['/a', '/b', '/usr/lib/postgresql/15/bin']);
  assert.ok(dirs.includes('/usr/local/pgsql/bin'));
  assert.equal(new Set(dirs).size, dirs.length);
});

test('the newest install of 15+ wins; a data directory asks for its own major', () => {
  const v14 = fakeInstall('14.9');
  const v15 = fakeInstall('15.4');
  const v17 = fakeInstall('17.2');
  assert.equal(findPostgresBinaries(undefined, [v14, v15, v17]).binDir, v17);
  assert.equal(findPostgresBinaries(15, [v14, v15, v17]).major, 15);
  assert.throws(() => findPostgresBinaries(undefined, [v14]), {
    message: `PostgreSQL 15 or later is needed (found 14.9 in ${v14})`,
    fix: INSTALL_HINT,
  });
  assert.throws(
    () => findPostgresBinaries(16, [v15, v17]),
    (err: Error & { fix?: string }) => {
      assert.match(err.message, /made by PostgreSQL 16, whose server binaries are not installed/);
      assert.match(err.fix ?? '', /apt-get install postgresql-16/);
      return true;
    },
  );
});

test('no PostgreSQL at all: one line naming the programs and the package to install', () => {
  const partial = fakeInstall('16.1');
  rmSync(join(partial, 'pg_ctl'));
  const empty = mkdtempSync(join(tmpdir(), 'no-pg-'));
  assert.throws(
    () => findPostgresBinaries(undefined, [empty, partial]),
    (err: Error) => {
      assert.equal(err.message.split('\n').length, 1);
      assert.equal((err as Error & { fix?: string }).fix, INSTALL_HINT);
      assert.match(
        err.message,
        new RegExp(
          String.raw`PostgreSQL server binaries \(initdb, pg_ctl, postgres, psql, pg_dump, pg_restore\) ` +
            'not found on PATH or in the usual install locations',
        ),
      );
      return true;
    },
  );
});

test("local commands get the pod's variables and none of libpq's from the caller", () => {
  const p = localPaths('/srv/app/.data');
  const env = localEnv(
    p,
    {
      port: 5433,
      database: 'learnflow',
      user: 'learnflow',
      major: 15,
      binDir: '/usr/lib/postgresql/15/bin',
      serverUser: 'postgres',
    },
    {
      PATH: '/usr/bin',
      HOME: '/root',
      PGPASSWORD: 'leak',
      PGHOST: 'elsewhere',
      PGDATABASE: 'other',
    },
  );
  assert.equal(env.PGPASSWORD, undefined);
  assert.equal(env.PGDATABASE, undefined);
  assert.equal(env.PGHOST, '/srv/app/.data/run');
  assert.equal(env.PGPORT, '5433');
  assert.equal(env.PATH, '/usr/lib/postgresql/15/bin:/usr/bin');
  assert.equal(env.POSTGRES_PASSWORD_FILE, '/srv/app/.data/secrets/password');
  assert.equal(env.POSTGRES_POSTGRES_PASSWORD_FILE, '/srv/app/.data/secrets/postgres-password');
  assert.equal(env.HOME, '/root');
});

test('a socket directory too long for sun_path moves to the temporary directory', () => {
  const deep = `/${'x'.repeat(120)}`;
  assert.match(localPaths(deep).socketDir, /pgk8s-[0-9a-f]{12}$/);
  assert.equal(localPaths('/srv/app/.data').socketDir, '/srv/app/.data/run');
});

test('suggested commands carry the target, once, however often they pass through', () => {
  setCommandEnv({ DB_TARGET: 'local', DB_LOCAL_DIR: '/tmp/my dir' });
  const once = withCommandEnv('error: x (fix: npm run -s db:migrate); undo: npm run -s db:backup -- restore f --yes');
  assert.equal(
    once,
    "error: x (fix: DB_TARGET=local DB_LOCAL_DIR='/tmp/my dir' npm run -s db:migrate); undo: DB_TARGET=local " +
      "DB_LOCAL_DIR='/tmp/my dir' npm run -s db:backup -- restore f --yes",
  );
  assert.equal(withCommandEnv(once), once);
  setCommandEnv({ PG_NAMESPACE: 'other', PG_RELEASE: 'ldb' });
  const cluster = withCommandEnv(once);
  assert.equal(cluster.split('PG_NAMESPACE=other PG_RELEASE=ldb npm run -s db:').length, 3);
  assert.equal(cluster.includes('DB_TARGET'), false);
  assert.equal(withCommandEnv(cluster), cluster);
  setCommandEnv({});
  assert.equal(withCommandEnv('fix: npm run -s db:verify'), 'fix: npm run -s db:verify');
  // A backup directory goes to db:backup commands only, once.
  setCommandEnv({ PG_RELEASE: 'ldb' }, { PG_BACKUP_DIR: '/srv/bk' });
  const backup = withCommandEnv('fix: npm run -s db:backup -- list; npm run -s db:deploy');
  assert.equal(
    backup,
    'fix: PG_RELEASE=ldb PG_BACKUP_DIR=/srv/bk npm run -s db:backup -- list; PG_RELEASE=ldb npm run -s db:deploy',
  );
  assert.equal(withCommandEnv(backup), backup);
  setCommandEnv({});
});

test('--target auto: a cluster when a kubeconfig or a context is there, else local', () => {
  const home = mkdtempSync(join(tmpdir(), 'home-'));
  assert.equal(chooseTarget('auto', { env: {}, home }), 'local');
  assert.equal(chooseTarget('auto', { env: {}, home, context: 'minikube' }), 'kubernetes');
  // A KUBECONFIG set to nothing that exists is a mistake, not a reason to pick the local target.
  assert.throws(
    () => chooseTarget('auto', { env: { KUBECONFIG: '/nowhere/config' }, home }),
    /KUBECONFIG names \/nowhere\/config, which does not exist/,
  );
  assert.equal(chooseTarget('local', { env: { KUBECONFIG: '/nowhere/config' }, home }), 'local');
  const config = join(home, 'kubeconfig');
  writeFileSync(config, 'apiVersion: v1\n');
  assert.equal(chooseTarget('auto', { env: { KUBECONFIG: `/nowhere:${config}` }, home }), 'kubernetes');
  mkdirSync(join(home, '.kube'));
  writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\n');
  assert.equal(chooseTarget('auto', { env: {}, home }), 'kubernetes');
  assert.equal(chooseTarget('local', { env: {}, home }), 'local');
  assert.equal(chooseTarget('kubernetes', { env: {}, home: '/nowhere' }), 'kubernetes');
});
