// What the database has applied, with the checksum of each file as it was applied. dbmate keeps
// versions only (schema_migrations); the checksums live beside them in a table of ours.
import type { AppliedMigration } from './migration-plan.ts';
import type { MigrationFile } from './migration-files.ts';
import type { PodSession } from '../target/pod-session.ts';
import { toolError } from '../cli/errors.ts';

export const CHECKSUM_TABLE = 'schema_migrations_checksums';

const sqlText = (s: string): string => `'${s.replace(/'/g, "''")}'`;

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
    `create table if not exists ${CHECKSUM_TABLE} (version varchar(128) primary key, filename text not null,
       sha256 char(64) not null, recorded_at timestamptz not null default now());
     insert into ${CHECKSUM_TABLE} (version, filename, sha256) values ${values}
       on conflict (version) do update
       set filename = excluded.filename, sha256 = excluded.sha256, recorded_at = now();`,
  );
  if (r.error)
    throw toolError(
      `migrations applied, but recording their checksums failed: ${r.error.split('\n')[0]}`,
      'npm run -s db:migrate -- status',
    );
}

export async function forgetChecksums(session: PodSession, versions: readonly string[]): Promise<void> {
  if (!versions.length) return;
  await session.query(`delete from ${CHECKSUM_TABLE} where version in (${versions.map(sqlText).join(', ')})`);
}
