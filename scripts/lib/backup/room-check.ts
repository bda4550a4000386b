// A restore builds a whole second copy of the database on the same volume before the live one is dropped,
// and writes WAL for it as it goes. A volume that fills half-way does not just fail the restore: PostgreSQL
// then cannot write the WAL that dropping the scratch database needs, and stops (PANIC), so the pod
// crash-loops until the volume grows. So the room is checked first, from the size the database had when
// it was dumped (the backup's manifest) or, for an older manifest, the live database's size.
import { notOkError } from '../cli/errors.ts';
import { storageFix } from '../target/exec-target.ts';
import type { PodSession } from '../target/pod-session.ts';
import { collectOutput, spawnOnTarget, type ExecTarget } from '../target/spawn.ts';
import { mib } from './command.ts';

/** One WAL segment over the estimate, and a little for the catalogs. */
const MARGIN_BYTES = 32 * 1024 * 1024;

/** The database, its WAL up to max_wal_size (a checkpoint recycles what is beyond), and a margin. */
export function roomNeeded(databaseBytes: number, maxWalBytes: number): number {
  return databaseBytes + Math.min(databaseBytes, maxWalBytes) + MARGIN_BYTES;
}

/** Free bytes on the data volume as df in the pod sees them; null when df gives no answer. */
export async function volumeFreeBytes(t: ExecTarget): Promise<number | null> {
  const script = 'df -P -B1 "${POSTGRESQL_VOLUME_DIR:-/bitnami/postgresql}" 2>/dev/null | awk \'NR==2 {print $4}\'';
  const r = await collectOutput(spawnOnTarget(t, ['sh', '-c', script], false));
  const free = Number(r.stdout.trim());
  return r.exitCode === 0 && r.stdout.trim() !== '' && Number.isFinite(free) ? free : null;
}

/** Refuses (volume-full, nothing changed) when the volume cannot hold the scratch copy; free if read already. */
export async function assertRoomForScratch(
  t: ExecTarget,
  admin: PodSession,
  o: { file: string; live: string; databaseBytes: number; free?: Promise<number | null> },
): Promise<void> {
  const [free, wal] = await Promise.all([
    o.free ?? volumeFreeBytes(t),
    admin.query("select pg_size_bytes(current_setting('max_wal_size'))"),
  ]);
  if (free === null) return; // no df in the image: the restore itself will say when the volume fills
  const need = roomNeeded(o.databaseBytes, Number(wal.rows[0]) || 1024 ** 3);
  if (free >= need) return;
  throw notOkError(
    `restore of ${o.file}: the volume has ${mib(free)} free, and the restore needs about ${mib(need)} (the backup ` +
      `is built as a second copy of ${o.live}, ${mib(o.databaseBytes)}, before the old one is dropped); nothing ` +
      'changed (volume-full)',
    `grow the volume, then restore again: ${storageFix(t)}`,
  );
}
