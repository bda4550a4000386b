// The pieces of a first local deploy: the server's directories, generated passwords, initdb, and the
// app user and database, each checked; local.ts puts them in order.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { notOkError, toolError, usageError } from '../cli/errors.ts';
import type { PostgresBinaries } from '../target/local-binaries.ts';
import { localPaths, runServerProgram, shownPath, type LocalPaths, type ServerUser } from '../target/local-server.ts';
import { appQueryCommand } from '../target/pod-sql.ts';
import { collectOutput, execErrorLine, spawnOnTarget, type LocalTarget } from '../target/spawn.ts';
import { generatePassword } from './credentials.ts';
import { markCreated, missing } from './local-created.ts';

/** The app user and database, created once with the generated password; the password is read by psql itself. */
export const ROLE_SQL = `\\set pw \`cat "$POSTGRES_PASSWORD_FILE"\`
select not exists (select from pg_roles where rolname = :'user') as need_role \\gset
\\if :need_role
create role :"user" login password :'pw';
\\endif
select not exists (select from pg_database where datname = :'db') as need_db \\gset
\\if :need_db
create database :"db" owner :"user";
\\endif
`;

export async function runOnTarget(
  t: LocalTarget,
  command: string[],
  input?: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const child = spawnOnTarget(t, command, input !== undefined);
  const output = collectOutput(child);
  child.stdin?.end(input);
  return output;
}

export async function ensureRoleAndDatabase(t: LocalTarget): Promise<void> {
  const r = await runOnTarget(
    t,
    [
      'sh',
      '-c',
      'export PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")"; exec psql -X -w -U postgres -d postgres -v ' +
        'ON_ERROR_STOP=1 -q -v user="$POSTGRES_USER" -v db="$POSTGRES_DATABASE" -f -',
    ],
    ROLE_SQL,
  );
  if (r.exitCode !== 0)
    throw toolError(
      `creating the app user and database failed: ${execErrorLine(r.stderr)}`,
      `read ${shownPath(localPaths(t.dir).logFile)}`,
    );
}

export async function selectOneAsApp(t: LocalTarget): Promise<void> {
  const r = await runOnTarget(t, appQueryCommand('select 1'));
  if (r.exitCode !== 0 || r.stdout.trim() !== '1') {
    throw notOkError(
      `${t.where} runs, but SELECT 1 as the app user failed: ${execErrorLine(r.stderr)}`,
      'npm run -s db:verify',
    );
  }
}

/**
 * Directories the server user owns; the parent must let it through. Only what is made here is chowned or
 * chmodded (and recorded for uninstall); a directory that was there stays as it is, and must already
 * be one the server user can write.
 */
export function makeServerDirs(p: LocalPaths, user: ServerUser): void {
  if (!existsSync(p.dir)) {
    mkdirSync(p.dir, { recursive: true, mode: user.switchTo ? 0o755 : 0o700 });
    if (user.switchTo) chmodSync(p.dir, 0o755);
    markCreated(p, [p.dir]);
  }
  for (const dir of [p.dataDir, p.logDir, p.socketDir]) {
    if (existsSync(dir)) {
      assertWritable(dir, user);
      continue;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (user.switchTo) chownSync(dir, user.switchTo.uid, user.switchTo.gid);
    markCreated(p, [dir]);
  }
}

function assertWritable(dir: string, user: ServerUser): void {
  if (!user.switchTo) return;
  if (spawnSync('test', ['-w', dir, '-a', '-x', dir], { ...user.switchTo, stdio: 'ignore' }).status !== 0)
    throw usageError(
      `${shownPath(dir)} was already there and the local server's user ${user.name} cannot write it; nothing ` +
        'changed (deploy does not chown what it did not create)',
      `remove ${shownPath(dir)} (deploy then makes its own), or chown ${user.name} ${shownPath(dir)}`,
    );
}

/** New passwords for a new data directory (any older files belonged to no data: an interrupted first deploy). */
export function writeSecrets(p: LocalPaths): { admin: string; app: string } {
  const made = missing([p.secretsDir, p.adminPasswordFile, p.appPasswordFile]);
  mkdirSync(p.secretsDir, { recursive: true, mode: 0o700 });
  markCreated(p, made);
  const admin = generatePassword();
  const app = generatePassword();
  for (const [file, value] of [
    [p.adminPasswordFile, admin],
    [p.appPasswordFile, app],
  ] as const) {
    rmSync(file, { force: true });
    writeFileSync(file, value, { mode: 0o600, flag: 'wx' });
  }
  return { admin, app };
}

/** initdb with the generated superuser password, handed over in a file only the server user can read. */
export async function initDataDir(
  p: LocalPaths,
  bins: PostgresBinaries,
  user: ServerUser,
  adminPassword: string,
): Promise<void> {
  const pwfile = resolve(p.logDir, '.initdb-pwfile');
  writeFileSync(pwfile, adminPassword, { mode: 0o600 });
  try {
    if (user.switchTo) chownSync(pwfile, user.switchTo.uid, user.switchTo.gid);
    const r = await runServerProgram(
      bins.binDir,
      'initdb',
      [
        '-D',
        p.dataDir,
        '-U',
        'postgres',
        `--pwfile=${pwfile}`,
        '-E',
        'UTF8',
        '--locale=C',
        '--auth-local=scram-sha-256',
        '--auth-host=scram-sha-256',
      ],
      user,
    );
    if (r.exitCode !== 0) {
      const why =
        r.stderr
          .trim()
          .split('\n')
          .find((l) => l.startsWith('initdb: error')) ?? execErrorLine(r.stderr);
      const fix = /Permission denied/.test(why)
        ? `the server runs as ${user.name}: give it access to every directory above ${shownPath(p.dir)}, or pass ` +
          `--local-dir elsewhere`
        : `read the error above; then npm run -s db:deploy`;
      throw toolError(`initdb failed: ${why}`, fix);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The server user must reach the directory: a home directory of mode 0700 stops it. */
export function assertReachable(p: LocalPaths, user: ServerUser): void {
  if (!user.switchTo) return;
  let existing = p.dir;
  while (!existsSync(existing)) existing = dirname(existing);
  if (spawnSync('test', ['-x', existing], { ...user.switchTo, stdio: 'ignore' }).status !== 0)
    throw usageError(
      `the local server runs as ${user.name}, which cannot enter ${p.dir} (a directory above it is private)`,
      `pass --local-dir (DB_LOCAL_DIR) a directory ${user.name} can reach, e.g. /var/tmp/learnflow-db`,
    );
}
