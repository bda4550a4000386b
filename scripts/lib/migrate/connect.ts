// The session a migrate action works through: changes take the maintenance lock (waiting up to
// --lock-wait); reads only need a session, opened beside the readiness check.
import { assertTargetReady } from '../target/exec-target.ts';
import { lockReadyPod, type HeldLock } from '../target/maintenance-lock.ts';
import { openPodSession, type PodSession } from '../target/pod-session.ts';
import type { ExecTarget } from '../target/spawn.ts';
import type { MigrateConfig } from './command.ts';

export async function connectForMigration(
  cfg: MigrateConfig,
  t: ExecTarget,
  writes: boolean,
): Promise<{ session: PodSession; release: () => Promise<void>; lock: HeldLock | null }> {
  if (writes) {
    const lock = await lockReadyPod(cfg, t, { job: 'migration', waitMs: cfg.lockWait });
    return { session: lock.session, release: lock.release, lock };
  }
  const [ready, opened] = await Promise.allSettled([
    assertTargetReady(cfg, t, 'migration status'),
    openPodSession(t, 'migrate-status'),
  ]);
  if (ready.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close();
    throw ready.reason;
  }
  if (opened.status === 'rejected') throw opened.reason;
  return { session: opened.value, release: () => opened.value.close(), lock: null };
}
