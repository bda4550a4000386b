// The commands a bench case runs around its timed work: a tool that must succeed, SQL as the app user in the
// pod, and a script run under /usr/bin/time for its peak memory.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Cluster } from './case.ts';

/** Runs cmd and returns its stderr; a failure ends the bench with the command and what it said. */
export function run(c: Cluster, cmd: string, args: string[], input?: string): string {
  const out = spawnSync(cmd, args, { env: c.env, input, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return out.stderr;
}

/** SQL on psql's stdin, as the app user in the pod. */
export function appPsql(c: Cluster, sql: string): void {
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
      'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -q -U learnflow -d learnflow',
    ],
    sql,
  );
}

/** One of scripts/*.ts with its args; returns the process's peak RSS in KiB. */
export function scriptPeakKb(c: Cluster, script: string, args: string[]): number {
  const stderr = run(c, '/usr/bin/time', [
    '-f',
    'peak-kb %M',
    'node',
    '--import',
    'tsx',
    join(c.root, 'scripts', script),
    ...args,
  ]);
  return Number(/peak-kb (\d+)/.exec(stderr)?.[1] ?? 0);
}

export const rssTarget = (peakKb: number, limitMb = 150): string =>
  `peak RSS ${(peakKb / 1024).toFixed(0)} MB ≤ ${limitMb}: ${peakKb / 1024 <= limitMb ? 'met' : 'MISSED'}`;
