// backup.ts on ~1,000,000 rows against the bare `kubectl exec … pg_dump -Fc > file` it wraps;
// the script's peak memory (RSS) must stay flat whatever the size. backupCase is shared with the case that
// compares against raw tools giving the same guarantees (backup-same-guarantee.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase } from '../case.ts';
import { appPsql, rssTarget, run, scriptPeakKb } from '../commands.ts';
import { bodyTarget, startupMs } from '../startup.ts';

/** The raw side: a shell command that dumps into the file named. */
export type RawBackup = (file: string) => string;

export function backupCase(name: string, rawCommand: RawBackup): BenchCase {
  const work = mkdtempSync(join(tmpdir(), 'bench-backup-'));
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
          'generate_series(1, 1000000) g;',
      );
    },
    beforeEach: () => {
      rmSync(join(work, 'ours.dump'), { force: true });
      rmSync(join(work, 'ours.dump.json'), { force: true });
    },
    ours: (c) => {
      peakKb = Math.max(peakKb, scriptPeakKb(c, 'backup.ts', ['--out', join(work, 'ours.dump')]));
    },
    raw: (c) => {
      run(c, 'sh', ['-c', rawCommand(join(work, 'raw.dump'))]);
    },
    target: (ours, raw) => `${bodyTarget(ours, raw, startup, 1.1)}; ${rssTarget(peakKb)}`,
  };
}

const appEnv = 'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"';
export default backupCase(
  'backup-1m-rows',
  (file) =>
    `kubectl exec -n postgres postgresql-0 -- sh -c '${appEnv} pg_dump -Fc -U learnflow -d learnflow' > ${file}`,
);
