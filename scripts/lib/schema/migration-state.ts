// What the database has applied, with the checksum of each file as it was applied. dbmate keeps
// versions only (schema_migrations); the checksums live beside them in a table of ours, which also
// remembers which files were rolled back (so status can tell "rolled back" from "never applied").
import type { AppliedMigration } from './migration-plan.ts';
import type { MigrationFile } from './migration-files.ts';
import type { PodSession } from '../target/pod-session.ts';
import { toolError } from '../cli/errors.ts';
import { sqlLiteral as sqlText } from './sql-quote.ts';

export const CHECKSUM_TABLE = 'schema_migrations_checksums';

// rolled_back_at came later: tables made before it get the column the first time we write.
const ENSURE_TABLE = `create table if not exists ${CHECKSUM_TABLE} (version varchar(128) primary key,
    filename text not null, sha256 char(64) not null, recorded_at timestamptz not null default now());
  alter table ${CHECKSUM_TABLE} add column if not exists rolled_back_at timestamptz;`;

export async function readApplied(session: PodSession): Promise<AppliedMigration[]> {
  const exists = await session.query(
    `select to_regclass('public.schema_migrations') is not null, to_regclass('public.${CHECKSUM_TABLE}') is not null`,
  );
  const [hasMigrations, hasChecksums] = (exists.rows[0] ?? '').split('|');
  if (hasMigrations !== 't') return [];
  const r = await session.query(
    hasChecksums === 't'
      ? `select m.version, coalesce(c.sha256, '') from schema_migrations m left join ${CHECKSUM_TABLE} c using ` +
          `(version) order by m.version`
      : `select version, '' from schema_migrations order by version`,
  );
  if (r.error)
    throw toolError(`could not read the applied migrations: ${r.error.split('\n')[0]}`, 'npm run -s db:verify');
  return r.rows.map((row) => {
    const [version = '', sha = ''] = row.split('|');
    return { version, sha256: sha || null };
  });
}

/** Records (or re-records, for `accept`) the checksums of applied files. */
export async function recordChecksums(session: PodSession, files: readonly MigrationFile[]): Promise<void> {
  if (!files.length) return;
  const values = files
    .map((f) => `(${sqlText(f.version)}, ${sqlText(f.path.split('/').at(-1) ?? f.path)}, ${sqlText(f.sha256)})`)
    .join(', ');
  const r = await session.query(
    `${ENSURE_TABLE}
     insert into ${CHECKSUM_TABLE} (version, filename, sha256) values ${values}
       on conflict (version) do update
       set filename = excluded.filename, sha256 = excluded.sha256, recorded_at = now(), rolled_back_at = null;`,
  );
  if (r.error)
    throw toolError(
      `migrations applied, but recording their checksums failed: ${r.error.split('\n')[0]}`,
      'npm run -s db:migrate -- status',
    );
}

/** Marks files as rolled back; applying one again clears the mark (recordChecksums). */
export async function markRolledBack(session: PodSession, files: readonly MigrationFile[]): Promise<void> {
  if (!files.length) return;
  const values = files
    .map((f) => `(${sqlText(f.version)}, ${sqlText(f.path.split('/').at(-1) ?? f.path)}, ${sqlText(f.sha256)}, now())`)
    .join(', ');
  const r = await session.query(
    `${ENSURE_TABLE}
     insert into ${CHECKSUM_TABLE} (version, filename, sha256, rolled_back_at) values ${values}
       on conflict (version) do update set rolled_back_at = now();`,
  );
  if (r.error)
    throw toolError(
      `rolled back, but recording that failed: ${r.error.split('\n')[0]}`,
      'npm run -s db:migrate -- status',
    );
}

/** Versions rolled back and not applied since; none when the table or its column is not there yet. */
export async function readRolledBack(session: PodSession): Promise<Set<string>> {
  const r = await session.query(
    `select c.version from ${CHECKSUM_TABLE} c where c.rolled_back_at is not null
       and not exists (select 1 from schema_migrations m where m.version = c.version)`,
  );
  return new Set(r.error ? [] : r.rows.filter(Boolean));
}
