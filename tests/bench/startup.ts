// A script's fixed start-up (node, tsx, its modules), measured as its --help, which loads every module and
// stops before the first cluster call: the cost a run pays whatever the work, reported apart from it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Cluster } from './case.ts';

export function startupMs(c: Cluster, script: string, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync('node', ['--import', 'tsx', join(c.root, 'scripts', script), '--help'], { env: c.env });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? 0;
}

/** The ratio for the work the script adds: its time without the start-up, against the raw tool's. */
export function bodyTarget(ours: number, raw: number, startup: number, limit: number): string {
  const body = (ours - startup) / raw;
  const verdict = body <= limit ? 'met' : 'MISSED';
  return `body ${body.toFixed(2)}x (start-up ${startup.toFixed(0)} ms apart) ≤ ${limit.toFixed(2)}x: ${verdict}`;
}
