// backup.ts restore of ~1,000,000 rows (safety backup skipped: that is a backup, benched above)
// against the bare `kubectl exec -i … pg_restore --clean --if-exists --single-transaction < file`. restoreCase is
// shared with the case against raw tools that restore all-or-nothing too (restore-same-guarantee.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase } from '../case.ts';
import { appPsql, rssTarget, run, scriptPeakKb } from '../commands.ts';
import { bodyTarget, startupMs } from '../startup.ts';

/** The raw side: a shell command that restores the file named. */
export type RawRestore = (file: string) => string;

export function restoreCase(name: string, rawCommand: RawRestore): BenchCase {
  const work = mkdtempSync(join(tmpdir(), 'bench-restore-'));
  const file = join(work, 'base.dump');
  let peakKb = 0;
  let startup = 0;
  return {
    name,
    runs: 5,
    setup: (c) => {
      run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/deploy.ts')]);
      startup = startupMs(c, 'backup.ts');
      appPsql(
        c,
        'drop table if exists bench; create table bench as select g as id, md5(g::text) as a, g * 7 as b from ' +
          'generate_series(1, 1000000) g; alter table bench add primary key (id);',
      );
      run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/backup.ts'), '--out', file]);
    },
    ours: (c) => {
      const args = ['restore', file, '--yes', '--skip-safety-backup'];
      peakKb = Math.max(peakKb, scriptPeakKb(c, 'backup.ts', args));
    },
    raw: (c) => {
      run(c, 'sh', ['-c', rawCommand(file)]);
    },
    target: (ours, raw) => `${bodyTarget(ours, raw, startup, 1.1)}; ${rssTarget(peakKb)}`,
  };
}

const appEnv = 'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"';
export default restoreCase(
  'restore-1m-rows',
  (file) =>
    `kubectl exec -i -n postgres postgresql-0 -- sh -c '${appEnv} ` +
    `pg_restore --clean --if-exists --single-transaction --no-owner -U learnflow -d learnflow' < ${file}`,
);
