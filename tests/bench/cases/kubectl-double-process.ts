// The same call when it runs in its own Node.js process (calls the daemon does not serve: exec, create, helm upgrade).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchCase } from '../case.ts';

const ownProcess: BenchCase = {
  name: 'kubectl-double-own-process',
  runs: 15,
  ours: (c) => {
    const out = spawnSync(
      'node',
      [join(c.root, 'tests/sim/kubectl.mjs'), 'get', 'namespace', 'default', '-o', 'json'],
      {
        env: { ...c.env, SIM_DIR: c.dir },
        stdio: 'ignore',
      },
    );
    if (out.status !== 0) throw new Error(`kubectl.mjs exited ${out.status}`);
  },
  raw: (c) => void spawnSync('node', ['-e', '0'], { env: c.env, stdio: 'ignore' }),
  target: () => 'informational (raw = bare node start)',
};
export default ownProcess;
