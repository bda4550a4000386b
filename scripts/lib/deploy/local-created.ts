// What a local deploy created under --local-dir, recorded as it creates it: uninstall --delete-data
// deletes exactly that, and nothing that was there before (a directory deploy refused, a user's own
// log/ or run/). Paths are absolute.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalPaths } from '../target/local-server.ts';

export const recordFile = (p: LocalPaths): string => join(p.dir, '.pgk8s-created.json');

/** null: no record (nothing created by this toolkit's deploy, or one from before records were kept). */
export function readCreated(p: LocalPaths): string[] | null {
  try {
    const v = JSON.parse(readFileSync(recordFile(p), 'utf8')) as unknown;
    return Array.isArray(v) ? v.map(String) : null;
  } catch {
    return null;
  }
}

export function markCreated(p: LocalPaths, paths: string[]): void {
  if (!paths.length) return;
  const all = [...new Set([...(readCreated(p) ?? []), ...paths])];
  const tmp = `${recordFile(p)}.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 1)}\n`, { mode: 0o600 });
  renameSync(tmp, recordFile(p));
}

/** The paths of `candidates` that do not exist yet (to be recorded once made). */
export const missing = (candidates: string[]): string[] => candidates.filter((f) => !existsSync(f));
