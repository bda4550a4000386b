// deploy.ts on an empty cluster against the bare `helm upgrade --install --wait` doing the same
// install; the difference is deploy's own overhead (preflight, Secret, checks, SELECT 1).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchCase, Cluster } from '../case.ts';

function sh(c: Cluster, cmd: string, args: string[], input?: string): void {
  const out = spawnSync(cmd, args, {
    env: c.env,
    input,
    stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
}

// Each run starts from nothing: release, volume, Secret and namespace gone.
function reset(c: Cluster): void {
  spawnSync('helm', ['uninstall', 'postgresql', '-n', 'postgres'], { env: c.env, stdio: 'ignore' });
  spawnSync('kubectl', ['delete', 'namespace', 'postgres', '--ignore-not-found'], { env: c.env, stdio: 'ignore' });
}

const deploy: BenchCase = {
  name: 'deploy-fresh',
  runs: 5,
  beforeEach: reset,
  ours: (c) => {
    sh(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/deploy.ts')]);
  },
  raw: (c) => {
    sh(c, 'kubectl', ['create', 'namespace', 'postgres']);
    sh(
      c,
      'kubectl',
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'postgresql-credentials', namespace: 'postgres' },
        stringData: { password: 'bench-user-pw', 'postgres-password': 'bench-admin-pw' },
      }),
    );
    sh(c, 'helm', [
      'upgrade',
      '--install',
      'postgresql',
      'oci://registry-1.docker.io/bitnamicharts/postgresql',
      '--version',
      '16.7.27',
      '-n',
      'postgres',
      '-f',
      join(c.root, 'helm-values/base.yaml'),
      '--set',
      'auth.existingSecret=postgresql-credentials',
      '--set',
      'auth.username=learnflow',
      '--set',
      'auth.database=learnflow',
      '--wait=watcher',
      '--timeout',
      '2m',
    ]);
  },
  target: (ours, raw) =>
    `overhead ${((ours - raw) / 1000).toFixed(2)} s ≤ 3 s: ${ours - raw <= 3000 ? 'met' : 'MISSED'}`,
};
export default deploy;
