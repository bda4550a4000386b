// seed.ts with 100,000 generated rows against a raw COPY of the same rows into the same table, and
// a re-run in skip mode (every row already there) against the first run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase, Cluster } from '../case.ts';

const ROWS = 100_000;
const work = mkdtempSync(join(tmpdir(), 'bench-seed-'));
const seeds = join(work, 'seeds');
const hash = 'h'.repeat(60);
const rows = Array.from({ length: ROWS }, (_, i) => ({
  email: `student${i}@bench.dev`,
  display_name: `Student ${i}`,
  role: 'student',
  password_hash: hash,
}));
const tsv = `${rows.map((r) => [r.email, r.display_name, r.role, r.password_hash].join('\t')).join('\n')}\n`;

function run(c: Cluster, cmd: string, args: string[], input?: string): void {
  const out = spawnSync(cmd, args, { env: c.env, input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
}
const psql = (c: Cluster, sqlOrCopy: string, input?: string): void =>
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
      `PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -q -v ON_ERROR_STOP=1 -U learnflow -d learnflow -c ` +
        `'${sqlOrCopy}'`,
    ],
    input,
  );
const emptyUsers = (c: Cluster): void => psql(c, 'truncate users cascade');
const seed = (c: Cluster): void => run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/seed.ts'), '--dir', seeds]);

function setup(c: Cluster): void {
  run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/deploy.ts')]);
  run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/migrate.ts')]);
  mkdirSync(seeds, { recursive: true });
  writeFileSync(join(seeds, 'users.json'), JSON.stringify({ table: 'users', key: 'email', rows }));
}

export const firstRun: BenchCase = {
  name: 'seed-100k-rows',
  runs: 3,
  setup,
  beforeEach: emptyUsers,
  ours: seed,
  raw: (c) => psql(c, '\\copy users (email, display_name, role, password_hash) from stdin', tsv),
  target: (ours, raw) => `≤ 2x raw COPY: ${ours / raw <= 2 ? 'met' : 'MISSED'}`,
};
export default firstRun;
