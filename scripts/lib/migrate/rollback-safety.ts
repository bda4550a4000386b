// A rollback whose down sections drop or truncate tables that hold rows deletes data no migration can
// bring back: it is confirmed (--yes without a terminal) and a verified safety backup is taken first,
// under the same maintenance lock, so the printed restore undoes it.
import { defaultBackupPath } from '../archive/backup-files.ts';
import { takeBackup } from '../archive/take-backup.ts';
import { confirmDestructive } from '../cli/confirm.ts';
import { shWord } from '../cli/sh-quote.ts';
import type { Output } from '../cli/output.ts';
import { otherDataLossIn, tablesEmptiedBy } from '../schema/down-effects.ts';
import type { MigrationFile } from '../schema/migration-files.ts';
import type { PodSession } from '../target/pod-session.ts';
import type { ExecTarget } from '../target/spawn.ts';
import { type InPod, MIGRATE_CMD, type MigrateConfig } from './command.ts';

import { sqlLiteral as lit } from '../schema/sql-quote.ts';

/** Of `names`, the tables that exist and hold at least one row (dynamic SQL through query_to_xml). */
export async function tablesWithRows(session: PodSession, names: readonly string[]): Promise<string[]> {
  if (!names.length) return [];
  const r = await session.query(
    `select string_agg(n, ',' order by n) from unnest(array[${names.map(lit).join(', ')}]::text[]) n ` +
      "where to_regclass(n) is not null and (xpath('/row/c/text()', query_to_xml(format(" +
      "'select exists (select 1 from %s) as c', to_regclass(n)), false, true, '')))[1]::text = 'true'",
  );
  if (r.error) throw new Error(`could not check which tables hold rows: ${r.error.split('\n')[0]}`);
  return (r.rows[0] ?? '').split(',').filter(Boolean);
}

/** Confirms and takes the safety backup when needed; returns its path, or null when nothing holds rows. */
export async function guardRollback(
  cfg: MigrateConfig,
  out: Output,
  t: ExecTarget,
  pod: InPod,
  files: MigrationFile[],
): Promise<{ holding: string[]; other: string[]; safety: string | null }> {
  const holding = await tablesWithRows(pod.session, [...new Set(files.flatMap(tablesEmptiedBy))]);
  const other = [...new Set(files.flatMap(otherDataLossIn))];
  if ((!holding.length && !other.length) || cfg.dryRun) return { holding, other, safety: null };
  const loses = [
    holding.length ? `drops tables holding rows: ${holding.join(', ')}` : '',
    other.length ? `may delete data (${other.join(', ')})` : '',
  ].filter(Boolean);
  await confirmDestructive({
    yes: cfg.yes,
    what: `roll back ${files.length} migration(s), which ${loses.join(' and ')}`,
    withYes:
      `${MIGRATE_CMD} rollback ${cfg.to !== undefined ? `--to ${shWord(cfg.to)}` : `--steps ${cfg.steps}`}` +
      `${cfg.backupDir !== 'backups' ? ` --backup-dir ${shWord(cfg.backupDir)}` : ''} --yes`,
  });
  const lock = pod.lock;
  if (!lock) throw new Error('a rollback runs under the maintenance lock');
  const safety = defaultBackupPath(
    cfg.backupDir,
    t.kind === 'pod' ? cfg.release : 'local',
    lock.database,
    new Date(),
  ).replace(/\.dump$/, '-pre-rollback.dump');
  out.progress(`safety backup of ${lock.database} → ${safety} (the rollback ${loses.join(' and ')})`);
  await takeBackup(t, lock, safety, cfg.release);
  return { holding, other, safety };
}
