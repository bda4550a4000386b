// One backup from start to kept file: streamed, read in full, renamed only when sound, manifest
// written. Used by `backup` and by the safety backup `restore` takes first.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { ensureBackupDir, writeManifest, type BackupManifest } from './files.ts';
import { streamDumpToFile } from './dump-stream.ts';
import { toolError, usageError } from '../cli/errors.ts';
import type { HeldLock } from '../target/maintenance-lock.ts';
import { execErrorLine, type ExecTarget } from '../target/spawn.ts';
import { onInterrupt } from '../cli/run-script.ts';

export async function takeBackup(
  t: ExecTarget,
  lock: HeldLock,
  file: string,
  release: string,
): Promise<BackupManifest> {
  if (existsSync(file)) throw usageError(`${file} already exists`, 'pass --out with a new file name');
  const partial = `${file}.partial`;
  const dropPartial = (): void => rmSync(partial, { force: true });
  const forget = onInterrupt(dropPartial);
  try {
    ensureBackupDir(file);
    const r = await streamDumpToFile(t, partial);
    if (r.dump.code !== 0) {
      throw toolError(
        `pg_dump failed in ${t.where} (exit ${r.dump.code}): ${execErrorLine(r.dump.stderr)}; no file kept`,
        'npm run -s db:verify',
      );
    }
    if (r.fullRead.code !== 0) {
      throw toolError(
        `backup incomplete: ${r.bytes} bytes arrived but the archive does not read to its end ` +
          `(${execErrorLine(r.fullRead.stderr)}); the exec stream was probably cut; no file kept`,
        'run the backup again',
      );
    }
    renameSync(partial, file);
    const manifest: BackupManifest = {
      file,
      sizeBytes: r.bytes,
      sha256: r.sha256,
      format: 'pg_dump -Fc',
      release: t.kind === 'pod' ? release : null,
      namespace: t.kind === 'pod' ? t.namespace : null,
      database: lock.database,
      serverVersion: lock.serverVersion,
      schemaVersion: lock.schemaVersion,
      createdAt: new Date().toISOString(),
    };
    writeManifest(manifest, file);
    return manifest;
  } finally {
    dropPartial();
    forget();
  }
}
