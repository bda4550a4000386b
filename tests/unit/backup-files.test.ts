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
import { dumpCommand, FULL_READ_COMMAND } from '../../scripts/lib/archive/dump-stream.ts';

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

test('the dump reads its password inside the pod; the full read proves itself with a marker', () => {
  assert.match(dumpCommand()[2] ?? '', /\$POSTGRES_PASSWORD_FILE/);
  assert.match(dumpCommand()[2] ?? '', /pg_dump -Fc/);
  assert.match(FULL_READ_COMMAND[2] ?? '', /pg_restore -f \/dev\/null && echo archive-read-to-end/);
});
