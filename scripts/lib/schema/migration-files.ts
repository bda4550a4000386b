// The local migration files: named, read, checked and hashed before anything touches a database.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../cli/errors.ts';

export interface MigrationFile {
  version: string;
  name: string;
  /** Path as given (db/migrations/…sql), for messages. */
  path: string;
  content: string;
  sha256: string;
  /** `-- migrate:up transaction:false`: a failure can leave part of the file applied. */
  transactional: boolean;
  hasDown: boolean;
}

/** dbmate's own rule: the version is the leading digits; we also want a readable name after it. */
const NAME = /^(\d+)_([A-Za-z0-9][A-Za-z0-9_-]*)\.sql$/;

export function parseMigration(path: string, fileName: string, content: string): MigrationFile {
  const m = NAME.exec(fileName);
  if (!m)
    throw usageError(
      `migration file ${path} is not named <digits>_<name>.sql`,
      'npm run -s db:migrate -- new <name> creates a correctly named file',
    );
  const up = /^--\s*migrate:up\b(.*)$/m.exec(content);
  if (!up)
    throw usageError(
      `${path} has no "-- migrate:up" section`,
      `start ${path} with a line "-- migrate:up" (and add "-- migrate:down" for rollback)`,
    );
  const down = /^--\s*migrate:down\b.*$/m.exec(content);
  const downBody = down
    ? content
        .slice(down.index + down[0].length)
        .replace(/--[^\n]*/g, '')
        .trim()
    : '';
  return {
    version: m[1]!,
    name: m[2]!,
    path,
    content,
    sha256: createHash('sha256').update(content).digest('hex'),
    transactional: !/\btransaction:false\b/.test(up[1] ?? ''),
    hasDown: downBody.length > 0,
  };
}

/** Sorted by version; a missing directory is an empty list. */
export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseMigration(join(dir, f), f, readFileSync(join(dir, f), 'utf8')));
  const seen = new Map<string, string>();
  for (const f of files) {
    const other = seen.get(f.version);
    if (other)
      throw usageError(
        `${other} and ${f.path} have the same version ${f.version}`,
        `rename one of them: npm run -s db:migrate -- new ${f.name}`,
      );
    seen.set(f.version, f.path);
  }
  return files.sort((a, b) => compareVersions(a.version, b.version));
}

/** Numeric order, as dbmate sorts (versions of different lengths compare by value). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** 20261125143005: the UTC time, dbmate's format for new files. */
export function newVersion(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
