// backup.ts on ~1,000,000 rows against the bare `kubectl exec … pg_dump -Fc > file` it wraps;
// the script's peak memory (RSS) must stay flat whatever the size. backupCase is shared with the case that
// compares against raw tools giving the same guarantees (backup-same-guarantee.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase, Cluster } from '../case.ts';
import { bodyTarget, startupMs } from '../startup.ts';

function run(c: Cluster, cmd: string, args: string[], input?: string): string {
  const out = spawnSync(cmd, args, { env: c.env, input, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return out.stderr;
}

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
          'generate_series(1, 1000000) g;',
      );
    },
    beforeEach: () => {
      rmSync(join(work, 'ours.dump'), { force: true });
      rmSync(join(work, 'ours.dump.json'), { force: true });
    },
    ours: (c) => {
      const stderr = run(c, '/usr/bin/time', [
        '-f',
        'peak-kb %M',
        'node',
        '--import',
        'tsx',
        join(c.root, 'scripts/backup.ts'),
        '--out',
        join(work, 'ours.dump'),
      ]);
      peakKb = Math.max(peakKb, Number(/peak-kb (\d+)/.exec(stderr)?.[1] ?? 0));
    },
    raw: (c) => {
      const out = spawnSync('sh', ['-c', rawCommand(join(work, 'raw.dump'))], { env: c.env, encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`raw backup failed: ${out.stderr}`);
    },
    target: (ours, raw) =>
      `${bodyTarget(ours, raw, startup, 1.1)}; peak RSS ${(peakKb / 1024).toFixed(0)} MB ≤ 150: ` +
      `${peakKb / 1024 <= 150 ? 'met' : 'MISSED'}`,
  };
}

const appEnv = 'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"';
export default backupCase(
  'backup-1m-rows',
  (file) =>
    `kubectl exec -n postgres postgresql-0 -- sh -c '${appEnv} pg_dump -Fc -U learnflow -d learnflow' > ${file}`,
);
