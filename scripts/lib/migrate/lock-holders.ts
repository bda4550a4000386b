// Who held the lock a migration gave up on (SQLSTATE 55P03, lock_timeout): the sessions still holding
// locks on this database's tables, which the app user may see in pg_locks and pg_stat_activity.
import { formatGoDuration } from '../cli/duration.ts';
import type { PodSession } from '../target/pod-session.ts';

export interface LockHolder {
  pid: number;
  application: string;
  state: string;
  table: string;
}

const HOLDERS_SQL =
  "select a.pid, coalesce(nullif(a.application_name, ''), 'none'), coalesce(a.state, 'unknown'), " +
  'l.relation::regclass::text from pg_locks l join pg_stat_activity a on a.pid = l.pid ' +
  "where l.granted and l.locktype = 'relation' and l.database = (select oid from pg_database " +
  'where datname = current_database()) and a.pid <> pg_backend_pid() ' +
  "and l.relation in (select oid from pg_class where relkind in ('r', 'p', 'm') " +
  "and relnamespace <> 'pg_catalog'::regnamespace) order by a.xact_start nulls last, 1, 4 limit 20";

export async function lockHolders(session: PodSession): Promise<LockHolder[]> {
  const r = await session.query(HOLDERS_SQL);
  const byPid = new Map<number, LockHolder>();
  for (const row of r.rows) {
    const [pid, application = '', state = '', table = ''] = row.split('|');
    // A session is named once, with the first table it holds (oldest transaction first).
    if (!byPid.has(Number(pid))) byPid.set(Number(pid), { pid: Number(pid), application, state, table });
  }
  return [...byPid.values()];
}

/**
 * "waited 5s for a lock on users held by pid 42 (application_name api, idle in transaction)"; null for a
 * file that sets lock_timeout itself, whose own value is the one that ran out.
 */
export function describeLockWait(lockTimeoutMs: number | null, holders: readonly LockHolder[]): string {
  const limit = lockTimeoutMs === null ? 'its own lock_timeout' : formatGoDuration(lockTimeoutMs);
  const waited = `waited ${limit} for a lock`;
  const [first] = holders;
  if (!first) return `${waited} (its holder has ended since)`;
  const others = holders.length > 1 ? ` (and ${holders.length - 1} more session(s))` : '';
  const who = `pid ${first.pid} (application_name ${first.application}, ${first.state})`;
  return `${waited} on ${first.table} held by ${who}${others}`;
}
