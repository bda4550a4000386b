import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultBackupPath,
  listBackups,
  pruneBackups,
  writeManifest,
  type BackupManifest,
} from '../../scripts/lib/archive/backup-files.ts';
import { dumpCommand, parseReport } from '../../scripts/lib/archive/dump-stream.ts';

test('backup names carry release, database and a UTC timestamp', () => {
  assert.equal(
    defaultBackupPath('backups', 'postgresql', 'learnflow', new Date('2026-11-25T14:30:05.123Z')),
    'backups/postgresql-learnflow-20261125T143005Z.dump',
  );
});

test('listing reads manifests, newest first; files without one are not ours; pruning keeps the newest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bk-'));
  const make = (name: string, createdAt: string): string => {
    const file = join(dir, name);
    writeFileSync(file, 'x');
    const m: BackupManifest = {
      file,
      sizeBytes: 1,
      sha256: 'h',
      format: 'pg_dump -Fc',
      release: 'r',
      namespace: 'n',
      database: 'd',
      serverVersion: '17',
      schemaVersion: null,
      createdAt,
    };
    writeManifest(m, file);
    return file;
  };
  const old = make('a.dump', '2026-01-01T00:00:00.000Z');
  const mid = make('b.dump', '2026-02-01T00:00:00.000Z');
  const newest = make('c.dump', '2026-03-01T00:00:00.000Z');
  writeFileSync(join(dir, 'stranger.dump'), 'not ours');
  assert.deepEqual(
    listBackups(dir).map((b) => b.path),
    [newest, mid, old],
  );
  // Another release's backups and a dry run are left alone.
  assert.deepEqual(pruneBackups(dir, 1, { release: 'other', namespace: 'n' }), []);
  assert.deepEqual(pruneBackups(dir, 1, { release: 'r', namespace: 'n' }, { dryRun: true }), ['b.dump', 'a.dump']);
  assert.equal(existsSync(old), true);
  assert.deepEqual(pruneBackups(dir, 1, { release: 'r', namespace: 'n' }), ['b.dump', 'a.dump']);
  assert.equal(existsSync(old) || existsSync(`${old}.json`) || existsSync(mid), false);
  assert.equal(existsSync(join(dir, 'stranger.dump')), true);
});

test('the dump reads its password inside the pod and reports its own checks on one marked line', () => {
  const [, , script, , mark] = dumpCommand('n0nce');
  assert.match(script ?? '', /\$POSTGRES_PASSWORD_FILE/);
  assert.match(script ?? '', /\{ pg_dump -Fc .*; echo \$\? >"\$d\/rc"; \} \| tee "\$d\/read" "\$d\/hash" "\$d\/count"/);
  assert.match(script ?? '', /pg_restore -f \/dev\/null <"\$d\/read"/);
  assert.equal(mark, 'pgk8s-dump-report-n0nce');
  const sha = 'ab'.repeat(32);
  const stderr = `pg_dump: warning: x\n\npgk8s-dump-report-n0nce 0 0 0 ${sha} 1234\n`;
  assert.deepEqual(parseReport(stderr, 'n0nce'), {
    report: { dumpCode: 0, readCode: 0, teeCode: 0, sha256: sha, bytes: 1234 },
    stderr: 'pg_dump: warning: x',
  });
  // Another run's report, or one cut short, is no report.
  assert.equal(parseReport(stderr, 'other').report, null);
  assert.equal(parseReport(`pgk8s-dump-report-n0nce 0 0 0 ${sha.slice(0, 30)}`, 'n0nce').report, null);
});
