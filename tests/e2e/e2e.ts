// npm run test:e2e: the whole flow as a user runs it, on whatever cluster the kubeconfig points at
// (E2E_KUBECONFIG and E2E_CONTEXT to choose another), in a namespace of its own, pgk8s-e2e-<random>, that
// is removed at the end, on failure and on Ctrl-C too (--keep leaves it for a look). It refuses a namespace
// that exists, works in a temporary directory (backups, passwords, port-forward records), and touches
// nothing outside both. One line per step (pass/fail, seconds), then "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const keep = process.argv.includes('--keep');
const namespace = `pgk8s-e2e-${randomBytes(3).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'pgk8s-e2e-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...(process.env.E2E_KUBECONFIG ? { KUBECONFIG: process.env.E2E_KUBECONFIG } : {}),
  ...(process.env.E2E_CONTEXT ? { KUBE_CONTEXT: process.env.E2E_CONTEXT } : {}),
  // The steps name the chart's objects for the default release; a shell's own settings must not move them.
  PG_NAMESPACE: namespace,
  PG_RELEASE: 'postgresql',
  PG_DRY_RUN: 'false',
  DB_TARGET: 'kubernetes',
  PG_MIGRATIONS_DIR: join(ROOT, 'db/migrations'),
  PG_SEED_DIR: join(ROOT, 'db/seeds'),
  PG_SEED_PASSWORDS_FILE: join(work, 'seed-passwords'),
  PG_BACKUP_DIR: join(work, 'backups'),
  // How long a deploy may wait for its pod (a first pull of the image on a fresh node takes a while).
  PG_TIMEOUT: process.env.E2E_DEPLOY_TIMEOUT ?? '5m',
};
// kubectl here talks to the cluster the toolkit's commands do.
const context = env.KUBE_CONTEXT ? ['--context', env.KUBE_CONTEXT] : [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** One of the toolkit's commands, as npm run starts it, from the temporary directory. */
function db(script: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/launch.mjs'), script, ...args], {
    cwd: work,
    env,
    encoding: 'utf8',
  });
  const run = { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  log(`$ npm run -s db:${script} -- ${args.join(' ')}`, run);
  return run;
}

// E2E_LOG_DIR: every command's output kept there (with PG_DEBUG=true, its tool calls too), for a CI artifact.
const logDir = process.env.E2E_LOG_DIR ? resolve(process.env.E2E_LOG_DIR) : null;
function log(what: string, r: Run): void {
  if (!logDir) return;
  mkdirSync(logDir, { recursive: true });
  appendFileSync(join(logDir, 'e2e.log'), `${what}\nexit ${r.code}\n${r.stdout}${r.stderr}\n`);
}

function kubectl(args: string[], input?: string): Run {
  const r = spawnSync('kubectl', [...context, ...args], { env, encoding: 'utf8', input });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** SQL in the pod through the toolkit's own db:psql (read-only unless write). */
function sql(query: string, write = false): string {
  const r = db('psql', ...(write ? ['--write'] : []), '--json', '-c', query);
  expect(r, 0, `db:psql -c ${JSON.stringify(query)}`);
  // --json: the last result's columns and rows at the top level.
  const { rows = [] } = JSON.parse(r.stdout) as { rows?: Array<Record<string, string | null>> };
  return rows.map((row) => Object.values(row).join('|')).join('\n');
}

/** The superuser in the pod (its password file is mounted there): for what the app user may not do. */
function asSuperuser(input: string): void {
  const login = 'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -X -U postgres -d postgres';
  const r = kubectl(
    ['exec', '-i', '-n', namespace, 'postgresql-0', '--', 'sh', '-c', `${login} -v ON_ERROR_STOP=1 -q`],
    input,
  );
  expect(r, 0, 'psql as the superuser');
}

function expect(r: Run, code: number, what: string): Run {
  if (r.code !== code) {
    const said = (r.stderr.trim() || r.stdout.trim()).split('\n').at(-1) ?? '';
    throw new Error(`${what}: exit ${r.code}, expected ${code}: ${said}`);
  }
  return r;
}

function contains(r: Run, text: string, what: string): void {
  if (!`${r.stdout}\n${r.stderr}`.includes(text)) throw new Error(`${what}: no "${text}" in its output`);
}

const steps: Array<[string, () => void]> = [
  [
    'the namespace is ours alone',
    () => {
      if (kubectl(['get', 'namespace', namespace]).code === 0) throw new Error(`namespace ${namespace} exists`);
    },
  ],
  ['deploy', () => contains(expect(db('deploy'), 0, 'deploy'), 'deployed postgresql', 'deploy')],
  ['deploy again: no change', () => contains(expect(db('deploy'), 0, 'deploy'), 'up to date', 'deploy')],
  ['migrate', () => contains(expect(db('migrate'), 0, 'migrate'), 'applied 6', 'migrate')],
  ['migrate again: no change', () => contains(expect(db('migrate'), 0, 'migrate'), 'nothing to apply', 'migrate')],
  ['migrate status', () => contains(expect(db('migrate', 'status'), 0, 'status'), 'up to date', 'status')],
  [
    'migrate rollback, then up',
    () => {
      expect(db('migrate', 'rollback', '--yes'), 0, 'rollback');
      contains(expect(db('migrate'), 0, 'migrate'), 'applied 1', 'migrate');
    },
  ],
  ['seed', () => contains(expect(db('seed'), 0, 'seed'), 'inserted', 'seed')],
  ['seed again: all unchanged', () => contains(expect(db('seed'), 0, 'seed'), ' 0 inserted, 0 updated', 'seed')],
  ['seed --update', () => expect(db('seed', '--update'), 0, 'seed --update')],
  ['verify: healthy', () => contains(expect(db('verify'), 0, 'verify'), 'healthy', 'verify')],
  [
    'a wrong password: verify says password-mismatch, and healthy once it is put back',
    () => {
      asSuperuser("alter role learnflow password 'e2e-wrong-password';");
      contains(expect(db('verify'), 1, 'verify'), 'password-mismatch', 'verify');
      const fix = 'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -X -U postgres -d postgres -q';
      const back = kubectl([
        'exec',
        '-n',
        namespace,
        'postgresql-0',
        '--',
        'sh',
        '-c',
        `printf '%s' "alter role learnflow password '$(cat "$POSTGRES_PASSWORD_FILE")';" | ${fix}`,
      ]);
      expect(back, 0, 'putting the password back');
      expect(db('verify'), 0, 'verify');
    },
  ],
  [
    'backup, delete rows, restore: the rows are back',
    () => {
      const before = sql('select count(*) from users');
      const out = join(work, 'backups', 'e2e.dump');
      expect(db('backup', '--out', out), 0, 'backup');
      sql('delete from progress; delete from submissions; delete from struggle_alerts; delete from users', true);
      if (sql('select count(*) from users') !== '0') throw new Error('the rows were not deleted');
      expect(db('backup', 'restore', out, '--yes', '--skip-safety-backup'), 0, 'restore');
      const after = sql('select count(*) from users');
      if (after !== before) throw new Error(`users: ${after} rows after the restore, ${before} before`);
    },
  ],
  [
    'backup verify',
    () =>
      contains(
        expect(db('backup', 'verify', join(work, 'backups', 'e2e.dump')), 0, 'verify'),
        'verified',
        'backup verify',
      ),
  ],
  [
    'data survives a pod delete',
    () => {
      const before = sql('select count(*) from users');
      expect(kubectl(['delete', 'pod', 'postgresql-0', '-n', namespace]), 0, 'kubectl delete pod');
      expect(db('verify', '--wait', '3m'), 0, 'verify --wait');
      if (sql('select count(*) from users') !== before) throw new Error('rows lost with the pod');
    },
  ],
  [
    'uninstall keeps the volume; deploy again finds the same data and password',
    () => {
      const before = sql('select count(*) from users');
      const secret = ['get', 'secret', 'postgresql-credentials', '-n', namespace, '-o', 'jsonpath={.data.password}'];
      const password = expect(kubectl(secret), 0, 'read the Secret').stdout;
      contains(expect(db('deploy', '--uninstall'), 0, 'uninstall'), 'kept', 'uninstall');
      expect(db('deploy'), 0, 'deploy');
      if (sql('select count(*) from users') !== before) throw new Error('rows lost across the reinstall');
      if (expect(kubectl(secret), 0, 'read the Secret').stdout !== password) throw new Error('the password changed');
    },
  ],
  ['db:url logs in', () => contains(expect(db('url', '--env'), 0, 'db:url'), 'DATABASE_URL=postgresql://', 'db:url')],
  [
    'db:port-forward in the background, then stopped',
    () => {
      contains(expect(db('port-forward', '--background', '--port', '15433'), 0, 'port-forward'), '127.0.0.1', 'pf');
      expect(db('port-forward', '--stop'), 0, 'port-forward --stop');
    },
  ],
];

function cleanUp(): void {
  // The forward's record is in the temporary directory: stop it before that goes.
  db('port-forward', '--stop');
  rmSync(work, { recursive: true, force: true });
  if (keep) {
    console.log(`kept: namespace ${namespace} (kubectl delete namespace ${namespace} when done)`);
    return;
  }
  kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=5m']);
}

// Ctrl-C reaches the step's command too (it ends, the step fails); a SIGINT sent to this process alone
// is seen between steps. Either way the run stops there and cleans up.
let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
});

const started = performance.now();
let passed = 0;
let failed = 0;
try {
  for (const [name, run] of steps) {
    // Lets a pending SIGINT be handled: the steps themselves run synchronously.
    await new Promise((resolve) => setImmediate(resolve));
    if (interrupted) break;
    const t0 = performance.now();
    let error = '';
    try {
      run();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (interrupted) break;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`${error ? 'fail' : 'pass'}  ${name} (${secs}s)${error ? `: ${error}` : ''}`);
    if (error) failed++;
    else passed++;
    // A step that failed leaves the rest without their ground: stop.
    if (error) break;
  }
} finally {
  if (interrupted) console.log(`interrupted: removing namespace ${namespace}`);
  cleanUp();
}
const total = ((performance.now() - started) / 1000).toFixed(0);
console.log(`in ${total}s (the spec asks deploy in under 5 minutes), namespace ${namespace}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = interrupted ? 130 : failed ? 1 : 0;
