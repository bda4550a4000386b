// What the database has applied versus what the files say: pending, changed since applied (drift),
// applied but missing locally, and pending files that sort before an applied one.
import { compareVersions, type MigrationFile } from './migration-files.ts';

export interface AppliedMigration {
  version: string;
  /** The file's sha256 when it was applied; null when it was applied before checksums were kept. */
  sha256: string | null;
}

export interface MigrationPlan {
  pending: MigrationFile[];
  /** Applied files whose content changed since. */
  drifted: Array<{ file: MigrationFile; appliedSha256: string }>;
  /** Applied versions with no local file. */
  missing: string[];
  /** Pending files older than the newest applied version (dbmate --strict refuses them). */
  outOfOrder: MigrationFile[];
  /** Applied files without a recorded checksum: recorded on the next up. */
  unrecorded: MigrationFile[];
  latestApplied: string | null;
}

export function planMigrations(local: readonly MigrationFile[], applied: readonly AppliedMigration[]): MigrationPlan {
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const localVersions = new Set(local.map((f) => f.version));
  const latestApplied =
    applied
      .map((a) => a.version)
      .sort(compareVersions)
      .at(-1) ?? null;
  const pending = local.filter((f) => !byVersion.has(f.version));
  return {
    pending,
    drifted: local.flatMap((file) => {
      const a = byVersion.get(file.version);
      return a?.sha256 && a.sha256 !== file.sha256 ? [{ file, appliedSha256: a.sha256 }] : [];
    }),
    missing: applied
      .map((a) => a.version)
      .filter((v) => !localVersions.has(v))
      .sort(compareVersions),
    outOfOrder: latestApplied ? pending.filter((f) => compareVersions(f.version, latestApplied) < 0) : [],
    unrecorded: local.filter((f) => byVersion.has(f.version) && !byVersion.get(f.version)?.sha256),
    latestApplied,
  };
}

/** The newest `steps` applied versions, newest first: what rollback --steps undoes. */
/** How many applied migrations are newer than `version` (which must be applied, or '0' for all). */
export function stepsTo(applied: readonly AppliedMigration[], version: string): number | null {
  if (version !== '0' && !applied.some((a) => a.version === version)) return null;
  return applied.filter((a) => compareVersions(a.version, version) > 0).length;
}

export function rollbackTargets(applied: readonly AppliedMigration[], steps: number): string[] {
  return applied
    .map((a) => a.version)
    .sort(compareVersions)
    .reverse()
    .slice(0, steps);
}
