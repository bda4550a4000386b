// backup.ts restore of ~1,000,000 rows (safety backup skipped: that is a backup, benched above)
// against the bare `kubectl exec -i … pg_restore --clean --if-exists --single-transaction < file`. restoreCase is
// shared with the case against raw tools that restore all-or-nothing too (restore-same-guarantee.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase, Cluster } from '../case.ts';
import { bodyTarget, startupMs } from '../startup.ts';

function run(c: Cluster, cmd: string, args: string[], input?: string): string {
  const out = spawnSync(cmd, args, { env: c.env, input, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return out.stderr;
}

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
      run(
        c,
        'kubectl',
        [
          'exec',
          '-i',
          '-n',
          'postgres',
          'postgresql-0',
          '--',
          'sh',
          '-c',
          'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -U learnflow -d learnflow -q',
        ],
        'drop table if exists bench; create table bench as select g as id, md5(g::text) as a, g * 7 as b from ' +
          'generate_series(1, 1000000) g; alter table bench add primary key (id);',
      );
      run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/backup.ts'), '--out', file]);
    },
    ours: (c) => {
      const stderr = run(c, '/usr/bin/time', [
        '-f',
        'peak-kb %M',
        'node',
        '--import',
        'tsx',
        join(c.root, 'scripts/backup.ts'),
        'restore',
        file,
        '--yes',
        '--skip-safety-backup',
      ]);
      peakKb = Math.max(peakKb, Number(/peak-kb (\d+)/.exec(stderr)?.[1] ?? 0));
    },
    raw: (c) => {
      const out = spawnSync('sh', ['-c', rawCommand(file)], { env: c.env, encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`raw restore failed: ${out.stderr}`);
    },
    target: (ours, raw) =>
      `${bodyTarget(ours, raw, startup, 1.1)}; peak RSS ${(peakKb / 1024).toFixed(0)} MB ≤ 150: ` +
      `${peakKb / 1024 <= 150 ? 'met' : 'MISSED'}`,
  };
}

const appEnv = 'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"';
export default restoreCase(
  'restore-1m-rows',
  (file) =>
    `kubectl exec -i -n postgres postgresql-0 -- sh -c '${appEnv} ` +
    `pg_restore --clean --if-exists --single-transaction --no-owner -U learnflow -d learnflow' < ${file}`,
);
