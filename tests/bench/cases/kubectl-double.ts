// A kubectl double call (node start, state read, calls.jsonl append) against a process that does nothing.
import { spawnSync } from 'node:child_process';
import type { BenchCase } from '../case.ts';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  const out = spawnSync(cmd, args, { env, stdio: 'ignore' });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${out.status}`);
}

const kubectlDouble: BenchCase = {
  name: 'kubectl-double-call',
  runs: 30,
  ours: (c) => run('kubectl', ['get', 'namespace', 'default', '-o', 'json'], c.env),
  raw: (c) => run('true', [], c.env),
  target: (ours) => `median ≤ 100 ms: ${ours <= 100 ? 'met' : 'MISSED'}`,
};
export default kubectlDouble;
