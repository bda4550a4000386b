// Backup files on the local disk: names, the manifest beside each, listing and pruning.
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { usageError } from '../cli/errors.ts';

export interface BackupManifest {
  file: string;
  sizeBytes: number;
  sha256: string;
  format: 'pg_dump -Fc';
  /** null for the local target. */
  release: string | null;
  namespace: string | null;
  database: string;
  serverVersion: string;
  schemaVersion: string | null;
  /** The database's size when it was dumped (what a restore needs on the volume); absent before 2026-12. */
  databaseBytes?: number;
  createdAt: string;
}

export const manifestPath = (file: string): string => `${file}.json`;

/** backups/postgresql-learnflow-20261125T143000Z.dump */
export function defaultBackupPath(dir: string, release: string, database: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(dir, `${release}-${database}-${stamp}.dump`);
}

/** The directory is private: dumps hold every row, password hashes included. */
export function ensureBackupDir(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
}

export function writeManifest(m: BackupManifest, file: string): void {
  writeFileSync(manifestPath(file), `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
}

export function readManifest(file: string): BackupManifest | null {
  try {
    return JSON.parse(readFileSync(manifestPath(file), 'utf8')) as BackupManifest;
  } catch {
    return null;
  }
}

/** Backups with a manifest in `dir`, newest first. */
export function listBackups(dir: string): Array<BackupManifest & { path: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.dump'))
    .map((n) => join(dir, n))
    .flatMap((path) => {
      const m = readManifest(path);
      return m ? [{ ...m, path, sizeBytes: statSync(path).size }] : [];
    })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * Deletes all but the `keep` newest backups of one release and namespace (the manifests say whose each is;
 * null and null: the local target's); others' backups in the same directory are never touched. Returns the
 * file names removed, or that would be with dryRun.
 */
export function pruneBackups(
  dir: string,
  keep: number,
  whose: { release: string | null; namespace: string | null },
  o: { dryRun?: boolean } = {},
): string[] {
  const doomed = listBackups(dir)
    .filter((b) => (b.release ?? null) === whose.release && (b.namespace ?? null) === whose.namespace)
    .slice(keep);
  if (o.dryRun) return doomed.map((b) => basename(b.path));
  for (const b of doomed) {
    rmSync(b.path, { force: true });
    rmSync(manifestPath(b.path), { force: true });
  }
  return doomed.map((b) => basename(b.path));
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The file is exactly what its backup wrote (size and sha256 from the manifest), or a usage error. */
export async function checkBackupFile(file: string): Promise<BackupManifest> {
  if (!existsSync(file)) throw usageError(`backup file ${file} not found`, 'npm run -s db:backup -- list');
  const manifest = readManifest(file);
  if (!manifest?.sha256) {
    throw usageError(
      `${file} has no readable manifest (${basename(manifestPath(file))}), so its integrity cannot be checked`,
      'restore a backup made by `npm run -s db:backup`, listed by `npm run -s db:backup -- list`',
    );
  }
  const size = statSync(file).size;
  if (size !== manifest.sizeBytes) {
    throw usageError(
      `${file} is ${size} bytes but its backup wrote ${manifest.sizeBytes}: truncated or altered, not restored`,
      'restore another backup (npm run -s db:backup -- list)',
    );
  }
  const sha = await sha256OfFile(file);
  if (sha !== manifest.sha256) {
    throw usageError(
      `${file} does not match its manifest (sha256 ${sha.slice(0, 12)}… ≠ ${manifest.sha256.slice(0, 12)}…): ` +
        `corrupted, not restored`,
      'restore another backup (npm run -s db:backup -- list)',
    );
  }
  // A file that is what its manifest says can still be no archive (a plain SQL file given a manifest):
  // pg_restore would refuse it in the pod; it is bad input, known here.
  if (!startsWithArchiveMagic(file))
    throw usageError(
      `${file} is not a pg_dump archive (custom format starts with PGDMP); nothing changed`,
      'restore a backup made by npm run -s db:backup, listed by npm run -s db:backup -- list',
    );
  return manifest;
}

function startsWithArchiveMagic(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(5);
    return readSync(fd, head, 0, 5, 0) === 5 && head.toString('latin1') === 'PGDMP';
  } finally {
    closeSync(fd);
  }
}
