// db:up --target local from nothing (no data directory) against the floor under it: initdb, a
// server start and stop, run by hand. Issue 9's target: a migrated, seeded, healthy local database
// in under 30 s.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase, Cluster } from '../case.ts';
import { findPostgresBinaries } from '../../../scripts/lib/target/local-binaries.ts';

// The server runs as postgres when we are root: the directory must be one it can enter.
const work = mkdtempSync(join(tmpdir(), 'bench-local-'));
chmodSync(work, 0o755);
const localDir = join(work, '.data');
const asServerUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];

function run(c: Cluster, argv: string[]): void {
  const [cmd, ...args] = argv;
  const out = spawnSync(cmd!, args, { cwd: c.root, env: c.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${argv.join(' ')} exited ${out.status}: ${out.stderr}`);
}

const upLocal: BenchCase = {
  name: 'up-local',
  runs: 3,
  beforeEach: (c) => {
    run(c, [
      'node',
      '--import',
      'tsx',
      'scripts/deploy.ts',
      '--target',
      'local',
      '--local-dir',
      localDir,
      '--uninstall',
      '--delete-data',
      '--yes',
    ]);
    rmSync(join(work, 'pgdata'), { recursive: true, force: true });
  },
  ours: (c) => run(c, ['node', '--import', 'tsx', 'scripts/up.ts', '--target', 'local', '--local-dir', localDir]),
  raw: (c) => {
    const bin = findPostgresBinaries().binDir;
    const data = join(work, 'pgdata');
    run(c, ['install', '-d', '-m', '700', ...(asServerUser.length ? ['-o', 'postgres'] : []), data]);
    run(c, [
      ...asServerUser,
      join(bin, 'initdb'),
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    run(c, [
      ...asServerUser,
      join(bin, 'pg_ctl'),
      'start',
      '-D',
      data,
      '-w',
      '-s',
      '-l',
      '/dev/null',
      '-o',
      `-p 5499 -k ${data} -h ''`,
    ]);
    run(c, [...asServerUser, join(bin, 'pg_ctl'), 'stop', '-D', data, '-w', '-s', '-m', 'fast']);
  },
  target: (ours) => `< 30 s: ${ours < 30_000 ? 'met' : 'MISSED'} (raw: initdb + start + stop)`,
};
export default upLocal;
