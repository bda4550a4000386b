// npm run bench: runs named cases against a simulated cluster and prints one table:
// case, this project's time, the raw tool's time on the same data (medians, the two run in turn), and their ratio.
// Usage: npm run bench [-- CASE_NAME…]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase, Cluster } from './case.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function startCluster(): Cluster {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
  const out = spawnSync(join(root, 'tests/sim/sim'), ['start', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`sim start failed: ${out.stderr}`);
  const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, KUBECONFIG: join(dir, 'kubeconfig') };
  return { dir, env, root };
}

function stopCluster(cluster: Cluster): void {
  spawnSync(join(root, 'tests/sim/sim'), ['stop', cluster.dir], { stdio: 'inherit' });
  rmSync(cluster.dir, { recursive: true, force: true });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Ours and raw in turn, each after its own untimed preparation: a slow spell of the machine hits both. */
async function alternate(c: BenchCase, cluster: Cluster): Promise<{ ours: number[]; raw: number[] }> {
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < c.runs; i++) {
    await c.beforeEach?.(cluster);
    ours.push(await timed(() => c.ours(cluster)));
    await (c.beforeRaw ?? c.beforeEach)?.(cluster);
    raw.push(await timed(() => c.raw(cluster)));
  }
  return { ours, raw };
}

const wanted = process.argv.slice(2);
const cases: BenchCase[] = [];
for (const file of readdirSync(join(here, 'cases')).sort()) {
  const mod = (await import(join(here, 'cases', file))) as { default: BenchCase };
  if (wanted.length === 0 || wanted.includes(mod.default.name)) cases.push(mod.default);
}

const rows: string[][] = [['case', 'ours (median ms)', 'raw (median ms)', 'ratio', 'target']];
const cluster = startCluster();
try {
  for (const c of cases) {
    await c.setup?.(cluster);
    await c.beforeEach?.(cluster);
    await c.ours(cluster); // warm-up: first runs pay for disk caches
    const runs = await alternate(c, cluster);
    const [ours, raw] = [median(runs.ours), median(runs.raw)];
    const ratio = ours / raw;
    rows.push([c.name, ours.toFixed(1), raw.toFixed(1), `${ratio.toFixed(2)}x`, c.target(ours, raw)]);
  }
} finally {
  stopCluster(cluster);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
for (const r of rows)
  console.log(
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
