// migrate.ts up of 50 trivial migrations: kubectl calls (the same for 1 file as for 50, at most 5)
// and time against a raw `dbmate migrate` of the same files in the same pod, plus start-up.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase, Cluster } from '../case.ts';
import { appPsql, run } from '../commands.ts';

const work = mkdtempSync(join(tmpdir(), 'bench-migrate-'));
const many = join(work, 'fifty');
const one = join(work, 'one');
const calls: Record<string, number> = {};
let startupMs = 0;

const resetDatabase = (c: Cluster): void => appPsql(c, 'drop owned by current_user;');
const migrate = (c: Cluster, dir: string): void => {
  run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/migrate.ts'), '--migrations-dir', dir]);
};
function countedCalls(c: Cluster, fn: () => void): number {
  writeFileSync(join(c.dir, 'calls.jsonl'), '');
  fn();
  return readFileSync(join(c.dir, 'calls.jsonl'), 'utf8').split('\n').filter(Boolean).length;
}

const bench: BenchCase = {
  name: 'migrate-50-files',
  runs: 5,
  setup: (c) => {
    run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/deploy.ts')]);
    mkdirSync(many);
    mkdirSync(one);
    for (let i = 1; i <= 50; i++) {
      const name = `${20260101000000 + i}_t${i}.sql`;
      const sql = `-- migrate:up\ncreate table t${i} (id int primary key);\n-- migrate:down\ndrop table t${i};\n`;
      writeFileSync(join(many, name), sql);
      if (i === 1) writeFileSync(join(one, name), sql);
    }
    resetDatabase(c);
    calls['1 file (first run, copies dbmate)'] = countedCalls(c, () => migrate(c, one));
    resetDatabase(c);
    calls['1 file'] = countedCalls(c, () => migrate(c, one));
    resetDatabase(c);
    calls['50 files'] = countedCalls(c, () => migrate(c, many));
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      run(c, 'node', ['--import', 'tsx', join(c.root, 'scripts/migrate.ts'), '--help']);
      times.push(performance.now() - t0);
    }
    startupMs = times.sort((a, b) => a - b)[2] ?? 0;
  },
  beforeEach: (c) => resetDatabase(c),
  ours: (c) => migrate(c, many),
  // The same files and the same dbmate in the same pod, with nothing around it.
  raw: (c) => {
    const files = Array.from({ length: 50 }, (_, k) => {
      const i = k + 1;
      return (
        `cat > "$d/${20260101000000 + i}_t${i}.sql" <<'EOF'\n-- migrate:up\ncreate table t${i} (id int ` +
        `primary key);\n-- migrate:down\ndrop table t${i};\nEOF`
      );
    });
    const script = [
      'd=$(mktemp -d)',
      ...files,
      'export PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"',
      '/tmp/dbmate --no-dump-schema -d "$d" -u "postgres://learnflow@/learnflow?socket=/tmp&sslmode=disable" ' +
        'migrate >/dev/null',
    ].join('\n');
    run(c, 'kubectl', ['exec', '-i', '-n', 'postgres', 'postgresql-0', '--', 'sh', '-s'], script);
  },
  target: (ours, raw) => {
    const counts = Object.entries(calls)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    const callsOk = calls['1 file'] === calls['50 files'] && (calls['50 files'] ?? 99) <= 5;
    const budget = 1.5 * raw + startupMs;
    return (
      `calls ${counts} (same, ≤ 5: ${callsOk ? 'met' : 'MISSED'}); ≤ 1.5x raw + start-up ` +
      `${startupMs.toFixed(0)} ms = ${budget.toFixed(0)} ms: ${ours <= budget ? 'met' : 'MISSED'}`
    );
  },
};
export default bench;
