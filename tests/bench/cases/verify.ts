// verify.ts on a healthy deployment against the bare `kubectl exec … psql -c 'select 1'` it wraps.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchCase, Cluster } from '../case.ts';

function run(c: Cluster, cmd: string, args: string[]): void {
  const out = spawnSync(cmd, args, { env: c.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
}

const verify: BenchCase = {
  name: 'verify-healthy',
  runs: 15,
  setup: (c) => run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/deploy.ts')]),
  ours: (c) => run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/verify.ts')]),
  raw: (c) =>
    run(c, 'kubectl', [
      'exec',
      '-n',
      'postgres',
      'postgresql-0',
      '--',
      'sh',
      '-c',
      'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -U learnflow -d learnflow -c "select 1"',
    ]),
  target: () => 'informational (3 calls: helm status, get pod, one exec)',
};
export default verify;
