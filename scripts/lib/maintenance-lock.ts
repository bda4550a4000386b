// One PostgreSQL advisory lock for every maintenance job (backup, restore, migrate): a session that
// holds it keeps the others out. Held by a psql inside the pod for as long as its stdin stays open.
import { once } from 'node:events';
import { toolError } from './errors.ts';
import { spawnInPod, type ExecTarget } from './pod-spawn.ts';

/** Shared with migrate: the same key means "backups and migrations never run at the same time". */
export const MAINTENANCE_LOCK_KEY = 7_425_001;

export interface HeldLock {
  /** Facts read in the same session: server version and the latest applied migration (or null). */
  serverVersion: string;
  database: string;
  schemaVersion: string | null;
  release(): Promise<void>;
}

const SESSION_SQL = [
  `select pg_try_advisory_lock(${MAINTENANCE_LOCK_KEY}) as locked \\gset`,
  "select current_setting('server_version') as v, current_database() as d \\gset",
  "select to_regclass('public.schema_migrations') is not null as has_migrations \\gset",
  '\\if :has_migrations',
  "select coalesce(max(version), '') as s from schema_migrations \\gset",
  '\\else',
  '\\set s \'\'',
  '\\endif',
  "\\echo 'lock' :locked :d :v '|' :s",
  '',
].join('\n');

export async function acquireMaintenanceLock(o: ExecTarget & { what: string }): Promise<HeldLock> {
  const command = ['sh', '-c', 'export PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"; exec psql -X -w -U "$POSTGRES_USER" -d "${POSTGRES_DATABASE:-$POSTGRES_USER}" -Atq'];
  const child = spawnInPod(o, command, true);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin?.on('error', () => {});
  child.stdin?.write(SESSION_SQL);
  const answered = new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const line = stdout.split('\n').find((l) => l.startsWith('lock '));
      if (line) resolve(line);
    };
    child.stdout?.on('data', check);
    child.on('close', (code) => reject(toolError(`could not open a session in ${o.pod} to take the maintenance lock (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`, 'npm run -s db:verify')));
  });
  const line = await answered;
  const release = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    child.stdin?.end('\\q\n');
    await once(child, 'close');
  };
  const m = /^lock (t|f) (\S+) (\S+).*\| ?(\S*)$/.exec(line.trim());
  if (!m || m[1] !== 't') {
    await release();
    throw toolError(`another job (a migration, backup or restore) holds the maintenance lock on ${o.namespace}/${o.pod}; ${o.what} did not start`, 'wait for it to finish, then run this again');
  }
  return { database: m[2] ?? 'unknown', serverVersion: m[3] ?? 'unknown', schemaVersion: m[4] ? m[4] : null, release };
}
