// One PostgreSQL advisory lock for every maintenance job (backup, restore, migrate): a session that
// holds it keeps the others out. Held by a psql session in the pod for as long as the job runs.
import { toolError } from '../cli/errors.ts';
import { startPodSession, type PodSession } from './pod-session.ts';
import type { ExecTarget } from './spawn.ts';
import { assertTargetReady, type TargetConfig } from './exec-target.ts';

/** Shared by backup, restore and migrate: the same key means they never run at the same time. */
export const MAINTENANCE_LOCK_KEY = 7_425_001;

export interface HeldLock {
  /** Facts read in the same session: server version and the latest applied migration (or null). */
  serverVersion: string;
  database: string;
  schemaVersion: string | null;
  /** pg_database_size of the database, read with the facts. */
  databaseBytes: number;
  /** The session holding the lock, for the job's own queries. */
  session: PodSession;
  release(): Promise<void>;
}

const FACTS_SQL =
  `select current_setting('server_version'), current_database(), ` +
  `to_regclass('public.schema_migrations') is not null, pg_database_size(current_database())`;

/**
 * Takes the lock at once (waitMs 0: a backup must not queue behind a migration) or waits up to
 * waitMs for it (lock_timeout applies to advisory locks too).
 */
export async function acquireMaintenanceLock(o: ExecTarget & { what: string; waitMs?: number }): Promise<HeldLock> {
  const { session, ready } = startPodSession(o, 'lock');
  const take = o.waitMs
    ? `set lock_timeout = ${Math.round(o.waitMs)}; select pg_advisory_lock(${MAINTENANCE_LOCK_KEY}) is not null; ` +
      `reset lock_timeout;`
    : `select pg_try_advisory_lock(${MAINTENANCE_LOCK_KEY});`;
  // The lock and the facts go out behind the greeting: one round trip for all three. The facts are
  // read-only, so reading them when the lock is refused does no harm.
  const locking = session.query(take);
  const reading = session.query(FACTS_SQL);
  locking.catch(() => {});
  reading.catch(() => {});
  await ready;
  const locked = await locking;
  if (locked.rows[0] !== 't') {
    await session.close();
    const waited = o.waitMs ? ` (waited ${Math.round(o.waitMs / 1000)}s)` : '';
    throw toolError(
      `another job (a migration, backup or restore) holds the maintenance lock on ${o.where}${waited}; ${o.what} ` +
        `did not start`,
      'wait for it to finish, then run this again',
    );
  }
  const facts = await reading;
  const [serverVersion = 'unknown', database = 'unknown', hasMigrations, size] = (facts.rows[0] ?? '').split('|');
  let schemaVersion: string | null = null;
  if (hasMigrations === 't') {
    const v = await session.query('select max(version) from schema_migrations');
    schemaVersion = v.rows[0] || null;
  }
  let released = false;
  return {
    serverVersion,
    database,
    schemaVersion,
    databaseBytes: Number(size) || 0,
    session,
    async release() {
      if (released) return;
      released = true;
      await session.close();
    },
  };
}

/**
 * The pod check and the lock session start together (each is a kubectl round trip); a pod that is
 * missing or not Ready wins, with its clearer message, and a lock taken meanwhile is let go.
 */
export async function lockReadyPod(
  cfg: TargetConfig,
  t: ExecTarget,
  o: { job: string; waitMs?: number },
): Promise<HeldLock> {
  // The session first: it is the longer road (exec, psql, login), so its process starts first.
  const locking = acquireMaintenanceLock({ ...t, what: `the ${o.job}`, waitMs: o.waitMs });
  const [locked, ready] = await Promise.allSettled([locking, assertTargetReady(cfg, t, o.job)]);
  if (ready.status === 'rejected') {
    if (locked.status === 'fulfilled') await locked.value.release();
    throw ready.reason;
  }
  if (locked.status === 'rejected') throw locked.reason;
  return locked.value;
}
