// PostgreSQL's programs for the local target: on PATH or where the usual packages put them (Debian's
// server binaries are not on PATH). Client and server come from one directory, so the versions match.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { toolError } from '../cli/errors.ts';

/** The programs the local target runs, all from the same directory. */
export const LOCAL_PROGRAMS = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_restore'] as const;
/** The migrations use PostgreSQL 15 features (unique nulls not distinct). */
export const MIN_MAJOR = 15;

export interface PostgresBinaries {
  binDir: string;
  major: number;
  /** e.g. "15.14" */
  version: string;
}

export const INSTALL_HINT =
  `install PostgreSQL ${MIN_MAJOR}+ server binaries: apt-get install postgresql (Debian/Ubuntu), ` +
  'dnf install postgresql-server (Fedora/RHEL), brew install postgresql@17 (macOS)';

/** Versioned install roots, newest first: /usr/lib/postgresql/17/bin, /usr/pgsql-16/bin, … */
function versionedDirs(root: string, pattern: RegExp, bin: (entry: string) => string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries
    .map((e) => ({ e, v: Number(pattern.exec(e)?.[1]) }))
    .filter(({ v }) => Number.isFinite(v) && v > 0)
    .sort((a, b) => b.v - a.v)
    .map(({ e }) => bin(e));
}

/** Every directory worth looking in, in order of preference; duplicates removed. */
export function candidateDirs(pathEnv: string, pgConfigBinDir: string | null): string[] {
  const dirs = [
    ...pathEnv.split(delimiter).filter(Boolean),
    ...(pgConfigBinDir ? [pgConfigBinDir] : []),
    ...versionedDirs('/usr/lib/postgresql', /^(\d+)$/, (e) => `/usr/lib/postgresql/${e}/bin`),
    ...versionedDirs('/usr', /^pgsql-(\d+)$/, (e) => `/usr/${e}/bin`),
    ...versionedDirs('/opt/homebrew/opt', /^postgresql@(\d+)$/, (e) => `/opt/homebrew/opt/${e}/bin`),
    ...versionedDirs('/usr/local/opt', /^postgresql@(\d+)$/, (e) => `/usr/local/opt/${e}/bin`),
    '/usr/local/pgsql/bin',
    '/Applications/Postgres.app/Contents/Versions/latest/bin',
  ];
  return [...new Set(dirs.filter(Boolean))];
}

/** PATH, pg_config's answer, then the usual install locations. */
export function searchDirs(pathEnv = process.env.PATH ?? ''): string[] {
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  return candidateDirs(pathEnv, pgConfig.status === 0 ? pgConfig.stdout.trim() : null);
}

function versionOf(binDir: string): string | null {
  const r = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (/(\d+(?:\.\d+)+)/.exec(r.stdout)?.[1] ?? null) : null;
}

/**
 * The newest complete set of programs of major `want` (an existing data directory's version) or of
 * any major >= MIN_MAJOR. Throws one line naming what to install.
 */
export function findPostgresBinaries(want?: number, dirs = searchDirs()): PostgresBinaries {
  const found: PostgresBinaries[] = [];
  for (const dir of dirs) {
    if (!LOCAL_PROGRAMS.every((p) => existsSync(join(dir, p)))) continue;
    const version = versionOf(dir);
    if (!version) continue;
    found.push({ binDir: dir, major: Number(version.split('.')[0]), version });
  }
  const fit = found.filter((b) => (want ? b.major === want : b.major >= MIN_MAJOR)).sort((a, b) => b.major - a.major);
  if (fit[0]) return fit[0];
  const seen = found.length ? ` (found ${found.map((b) => `${b.version} in ${b.binDir}`).join(', ')})` : '';
  if (want) {
    throw toolError(
      `the local data directory was made by PostgreSQL ${want}, whose server binaries are not installed${seen}`,
      `install PostgreSQL ${want} (apt-get install postgresql-${want}), or back up and deploy a new local server`,
    );
  }
  const missing = found.length
    ? `PostgreSQL ${MIN_MAJOR} or later is needed${seen}`
    : `PostgreSQL server binaries (${LOCAL_PROGRAMS.join(', ')}) not found on PATH or in the usual install locations`;
  throw toolError(missing, INSTALL_HINT);
}
