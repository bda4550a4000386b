// One backup from start to kept file: streamed, read in full, renamed only when sound, manifest
// written. Used by `backup` and by the safety backup `restore` takes first.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureBackupDir, manifestPath, writeManifest, type BackupManifest } from './backup-files.ts';
import { DUMP_JOB, streamDumpToFile, type DumpResult } from './dump-stream.ts';
import { toolError, usageError } from '../cli/errors.ts';
import type { HeldLock } from '../target/maintenance-lock.ts';
import { execErrorLine, type ExecTarget } from '../target/spawn.ts';
import { onInterrupt } from '../cli/run-script.ts';
import { sessionsOf } from '../target/session-tag.ts';

const FILE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
};

/** A local file error as one line with its fix; anything else is passed on as it is. */
function fileFailure(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (!(code in FILE_ERRORS)) return err;
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `free space on the disk that holds ${dirname(file)}, or pass --dir on another disk`
      : 'pass --dir (or --out) a directory you can write';
  return toolError(`cannot write the backup ${file}: ${FILE_ERRORS[code]} (${code}); no file kept`, fix, err);
}

export async function takeBackup(
  t: ExecTarget,
  lock: HeldLock,
  file: string,
  release: string,
): Promise<BackupManifest> {
  if (existsSync(file))
    throw statSync(file).isDirectory()
      ? usageError(`--out ${file} is a directory`, `pass --out a file name in it, e.g. --out ${file}/backup.dump`)
      : usageError(`${file} already exists`, 'pass --out with a new file name');
  const partial = `${file}.partial`;
  const dropPartial = (): void => rmSync(partial, { force: true });
  const forget = onInterrupt(dropPartial);
  try {
    ensureBackupDir(file);
    // The file failed: pg_dump in the pod is ended from the lock session (killing kubectl would not).
    const r = await streamDumpToFile(t, partial, async () => {
      await lock.session.query(`select pg_terminate_backend(pid) ${sessionsOf(DUMP_JOB)}`);
    });
    if (r.fileError) throw r.fileError;
    assertSound(r, t.where);
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
      databaseBytes: lock.databaseBytes,
      createdAt: new Date().toISOString(),
    };
    try {
      writeManifest(manifest, file);
    } catch (err) {
      // A backup without its manifest cannot be restored: none is kept.
      rmSync(file, { force: true });
      rmSync(manifestPath(file), { force: true });
      throw err;
    }
    return manifest;
  } catch (err) {
    throw fileFailure(err, file);
  } finally {
    dropPartial();
    forget();
  }
}

/**
 * The file is kept only when pg_dump and the pod's full read both passed and what arrived is what left the
 * pod. A report that never came, or a tee that could not write to us, is a cut stream whatever else failed.
 */
function assertSound(r: DumpResult, where: string): void {
  const again = 'run the backup again';
  const rep = r.report;
  const cut = (how: string) =>
    toolError(`backup incomplete: ${r.bytes} bytes arrived, then ${how}; no file kept`, again);
  if (!rep) {
    const line = r.stderr.trim() ? ` (${execErrorLine(r.stderr)})` : '';
    throw cut(`the exec stream was cut before the pod's end-of-dump report${line}`);
  }
  if (rep.teeCode !== 0 || rep.bytes !== r.bytes)
    throw cut(`the exec stream was cut (the pod sent ${rep.bytes} bytes)`);
  const lines = r.stderr.split('\n');
  if (rep.dumpCode !== 0) {
    const own = lines.filter((l) => !l.startsWith('pg_restore:')).join('\n');
    throw toolError(
      `pg_dump failed in ${where} (exit ${rep.dumpCode}): ${execErrorLine(own)}; no file kept`,
      'npm run -s db:verify',
    );
  }
  if (rep.readCode !== 0) {
    const read = lines.filter((l) => l.startsWith('pg_restore:')).join('\n');
    throw toolError(
      `backup unsound: the archive pg_dump wrote does not read to its end in ${where} ` +
        `(${execErrorLine(read)}); no file kept`,
      again,
    );
  }
  if (rep.sha256 !== r.sha256)
    throw cut(`arrived altered (sha256 ${r.sha256.slice(0, 12)}… here, ${rep.sha256.slice(0, 12)}… in the pod)`);
}
