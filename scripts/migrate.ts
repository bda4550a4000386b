// migrate.ts: dbmate migrations run INSIDE the pod, under the maintenance lock, with checksums of
// applied files (drift), strict ordering, and success read from schema_migrations, never from
// dbmate's text. Actions: up (default), status, rollback [--steps N], new NAME, accept VERSION.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigValues } from './lib/cli/option-spec.ts';
import { hostUnameM, localDbmateFor } from './lib/migrate/dbmate-binary.ts';
import {
  driverScript,
  ensureDbmateInPod,
  parseDbmateError,
  readPodFacts,
  readServerSocket,
  startPodShell,
  type DbmateAction,
  type DbmateRun,
  type PodShell,
} from './lib/migrate/dbmate-in-pod.ts';
import { notOkError, usageError } from './lib/cli/errors.ts';
import { ExitCode, type ExitCodeValue } from './lib/cli/exit-codes.ts';
import { lockReadyPod } from './lib/target/maintenance-lock.ts';
import { MIGRATE_OPTIONS } from './lib/migrate/options.ts';
import { newVersion, readMigrations, type MigrationFile } from './lib/schema/migration-files.ts';
import {
  planMigrations,
  rollbackTargets,
  type AppliedMigration,
  type MigrationPlan,
} from './lib/schema/migration-plan.ts';
import { forgetChecksums, readApplied, recordChecksums } from './lib/schema/migration-state.ts';
import type { Output } from './lib/cli/output.ts';
import { openPodSession, type PodSession } from './lib/target/pod-session.ts';
import type { ExecTarget } from './lib/target/spawn.ts';
import { assertTargetReady, execTarget } from './lib/target/exec-target.ts';
import { runScript } from './lib/cli/run-script.ts';

type Cfg = ConfigValues<typeof MIGRATE_OPTIONS>;
const CMD = 'npm run -s db:migrate --';
const fileName = (f: MigrationFile): string => f.path.split('/').at(-1) ?? f.path;

await runScript(
  {
    command: CMD,
    summary:
      'Apply, list, roll back or create dbmate migrations, run inside the database pod under the maintenance lock.',
    usage: `${CMD} [up | status | rollback [--steps N] | new NAME | accept VERSION] [flags]`,
    positionals: [
      { name: 'up | status | rollback | new NAME | accept VERSION', description: 'what to do (default: up)' },
    ],
    spec: MIGRATE_OPTIONS,
    allowPositionals: true,
    examples: [
      `npm run -s db:migrate`,
      `${CMD} status`,
      `${CMD} rollback --steps 2`,
      `${CMD} new add_hints`,
      `${CMD} --dry-run`,
    ],
  },
  async ({ cfg, positionals, out }) => {
    const [action = 'up', ...args] = positionals;
    if (action === 'new') return createMigration(cfg, out, args);
    const one = (what: string): string => {
      if (args.length !== 1 || !args[0])
        throw usageError(`${action} needs exactly one ${what}`, `${CMD} ${action} <${what}>`);
      return args[0];
    };
    if (!['up', 'status', 'rollback', 'accept'].includes(action) || (action !== 'accept' && args.length)) {
      throw usageError(
        `unknown action "${positionals.join(' ')}"`,
        `${CMD} up | status | rollback | new NAME | accept VERSION`,
      );
    }
    if (action !== 'rollback' && cfg.steps !== 1)
      throw usageError('--steps goes with rollback', `${CMD} rollback --steps ${cfg.steps}`);
    if (action === 'rollback' && cfg.steps < 1)
      throw usageError(`--steps must be 1 or more, not ${cfg.steps}`, `${CMD} rollback --steps 1`);
    const version = action === 'accept' ? one('VERSION') : null;
    // Every file is read and checked before the cluster is contacted.
    const files = readMigrations(cfg.migrationsDir);
    const t = execTarget(cfg, action === 'status' ? 'migration status' : 'migration');
    const writes = action !== 'status' && !cfg.dryRun;
    // The shell dbmate will run in starts beside the lock session (each costs a kubectl round trip)
    // and waits on its stdin; with nothing to apply it is ended unused.
    const connecting = connect(cfg, t, writes);
    const shell = writes && action !== 'accept' ? startPodShell(t) : null;
    try {
      const { session, release } = await connecting;
      try {
        const applied = await readApplied(session);
        const plan = planMigrations(files, applied);
        // `return await`: the finally below must not release the lock before the work is done.
        if (action === 'status') return status(cfg, out, files, plan);
        if (action === 'accept') return await accept(cfg, out, session, files, applied, version!);
        if (action === 'rollback') return await rollback(cfg, out, t, { session, shell: shell! }, files, applied, plan);
        return await up(cfg, out, t, { session, shell: shell! }, plan);
      } finally {
        await release();
      }
    } finally {
      shell?.end();
    }
  },
);

/** Changes take the maintenance lock (waiting up to --lock-wait); reads only need a session. */
async function connect(
  cfg: Cfg,
  t: ExecTarget,
  writes: boolean,
): Promise<{ session: PodSession; release: () => Promise<void> }> {
  if (writes) {
    const lock = await lockReadyPod(cfg, t, { job: 'migration', waitMs: cfg.lockWait });
    return { session: lock.session, release: lock.release };
  }
  const [ready, opened] = await Promise.allSettled([
    assertTargetReady(cfg, t, 'migration status'),
    openPodSession(t, 'migrate-status'),
  ]);
  if (ready.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close();
    throw ready.reason;
  }
  if (opened.status === 'rejected') throw opened.reason;
  return { session: opened.value, release: () => opened.value.close() };
}

function createMigration(cfg: Cfg, out: Output, args: string[]): ExitCodeValue {
  const [name] = args;
  if (args.length !== 1 || !name || !/^[a-z0-9][a-z0-9_]*$/.test(name)) {
    throw usageError(
      `new needs one name of lower-case letters, digits and underscores${name ? `, not "${name}"` : ''}`,
      `${CMD} new add_exercise_hints`,
    );
  }
  readMigrations(cfg.migrationsDir); // a broken directory is reported now, not at the next up
  const path = join(cfg.migrationsDir, `${newVersion(new Date())}_${name}.sql`);
  if (existsSync(path))
    throw usageError(`${path} already exists`, 'wait a second and run it again (versions are UTC seconds)');
  writeFileSync(path, `-- migrate:up\n\n\n-- migrate:down\n\n`, { flag: 'wx' });
  out.result({ ok: true, status: 'created', file: path });
  out.line(`created ${path}`);
  out.verdict(true, 'write the up and down SQL, then npm run -s db:migrate');
  return ExitCode.ok;
}

/** At most five lines whatever the number of files: one per kind, the verdict last; --json has them all. */
function status(cfg: Cfg, out: Output, files: MigrationFile[], plan: MigrationPlan): ExitCodeValue {
  const drifted = new Set(plan.drifted.map((d) => d.file.version));
  const pending = new Set(plan.pending.map((f) => f.version));
  const rows = files.map((f) => ({
    version: f.version,
    file: f.path,
    state: drifted.has(f.version) ? 'changed' : pending.has(f.version) ? 'pending' : 'applied',
  }));
  const applied = rows.filter((r) => r.state !== 'pending');
  if (applied.length) out.line(`[X] applied: ${applied.length} (${applied[0]!.version} … ${applied.at(-1)!.version})`);
  if (plan.pending.length) out.line(`[ ] pending: ${plan.pending.map(fileName).join(', ')}`);
  if (plan.drifted.length)
    out.line(`[!] changed since applied: ${plan.drifted.map((d) => fileName(d.file)).join(', ')}`);
  if (plan.missing.length) out.line(`[?] applied, no local file: ${plan.missing.join(', ')}`);
  const ok = !plan.pending.length && !plan.drifted.length && !plan.missing.length;
  out.result({
    ok,
    status: ok ? 'up-to-date' : 'behind',
    schemaVersion: plan.latestApplied,
    migrations: rows,
    pending: plan.pending.map(fileName),
    changed: plan.drifted.map((d) => fileName(d.file)),
    missing: plan.missing,
  });
  const problems = [
    plan.pending.length && `${plan.pending.length} pending (npm run -s db:migrate)`,
    plan.drifted.length && `${plan.drifted.length} changed since applied (${CMD} accept VERSION, or restore the file)`,
    plan.missing.length && `${plan.missing.length} applied without a local file`,
  ].filter(Boolean);
  out.verdict(
    ok,
    ok
      ? `up to date: ${files.length} applied, schema ${plan.latestApplied ?? 'empty'}`
      : `${problems.join('; ')}; schema ${plan.latestApplied ?? 'empty'}`,
  );
  return ok ? ExitCode.ok : ExitCode.notOk;
}

function refuseDrift(plan: MigrationPlan, what: string): void {
  const [d] = plan.drifted;
  if (!d) return;
  throw notOkError(
    `${d.file.path} changed since it was applied (sha256 ${d.appliedSha256.slice(0, 12)}… then, ${d.file.sha256.slice(0, 12)}… now)${plan.drifted.length > 1 ? ` and ${plan.drifted.length - 1} more` : ''}; ${what} refused: an applied migration never runs again, so the edit would never reach this database`,
    `restore the applied content (git checkout -- ${d.file.path}) and put the change in a new migration (${CMD} new NAME), or, if the database already matches the edit, ${CMD} accept ${d.file.version}`,
  );
}

/** The lock's session and the shell started beside it. */
interface InPod {
  session: PodSession;
  shell: PodShell;
}

async function up(cfg: Cfg, out: Output, t: ExecTarget, pod: InPod, plan: MigrationPlan): Promise<ExitCodeValue> {
  const { session } = pod;
  const started = performance.now();
  refuseDrift(plan, 'up');
  if (plan.missing.length) out.warn(`applied, but no local file: ${plan.missing.join(', ')} (another branch?)`);
  const [early] = plan.outOfOrder;
  if (early && !cfg.allowOutOfOrder) {
    throw notOkError(
      `${early.path} sorts before ${plan.latestApplied}, which is already applied: in strict order it would never run`,
      `give it a newer version: git mv ${early.path} ${join(cfg.migrationsDir, `${newVersion(new Date())}_${early.name}.sql`)} (or pass --allow-out-of-order)`,
    );
  }
  if (cfg.dryRun) {
    for (const f of plan.pending) out.line(`would apply ${f.path}${f.transactional ? '' : ' (transaction:false)'}`);
    out.result({
      ok: true,
      status: plan.pending.length ? 'would-apply' : 'up-to-date',
      pending: plan.pending.map(fileName),
      schemaVersion: plan.latestApplied,
    });
    out.verdict(
      true,
      plan.pending.length
        ? `dry run: ${plan.pending.length} to apply, nothing changed`
        : `up to date (schema ${plan.latestApplied ?? 'empty'})`,
    );
    return ExitCode.ok;
  }
  // Applied before checksums were kept (or by dbmate directly): trusted as they are now.
  await recordChecksums(session, plan.unrecorded);
  if (!plan.pending.length) {
    out.result({
      ok: true,
      status: 'up-to-date',
      applied: [],
      schemaVersion: plan.latestApplied,
      durationMs: Math.round(performance.now() - started),
    });
    out.verdict(true, `up to date: nothing to apply (schema ${plan.latestApplied ?? 'empty'})`);
    return ExitCode.ok;
  }
  out.progress(`applying ${plan.pending.length} migration(s) in ${t.where}`);
  const run = await runInPod(cfg, out, t, pod, plan.pending, { kind: 'migrate', strict: !cfg.allowOutOfOrder });
  const after = new Set((await readApplied(session)).map((a) => a.version));
  const appliedNow = plan.pending.filter((f) => after.has(f.version));
  await recordChecksums(session, appliedNow);
  const failed = plan.pending.find((f) => !after.has(f.version));
  const schemaVersion = [...after].sort().at(-1) ?? null;
  if (failed || run.exitCode !== 0) {
    const culprit = failed ?? plan.pending.at(-1)!;
    const e = parseDbmateError(run.stderr);
    const where = `${culprit.path}${e.line ? ` line ${e.line}` : ''}${e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : ''}`;
    const state = [
      appliedNow.length
        ? `applied before it in this run: ${appliedNow.map(fileName).join(', ')}`
        : 'nothing else was applied in this run',
      culprit.transactional
        ? `${fileName(culprit)} was rolled back`
        : `${fileName(culprit)} is transaction:false, so its statements before the error may remain`,
    ].join('; ');
    out.result({
      ok: false,
      status: 'failed',
      failed: culprit.path,
      line: e.line,
      sqlstate: e.sqlstate,
      sqlError: e.message,
      applied: appliedNow.map(fileName),
      schemaVersion,
      exitCode: ExitCode.notOk,
      error: {
        code: 'migration-failed',
        message: `${where}: ${e.message}`,
        fix: `fix ${culprit.path}, then npm run -s db:migrate`,
      },
    });
    throw notOkError(
      `migration failed: ${where}: ${e.message}; ${state}; schema now ${schemaVersion ?? 'empty'}`,
      `fix ${culprit.path}, then npm run -s db:migrate${appliedNow.length ? ` (undo this run: ${CMD} rollback --steps ${appliedNow.length})` : ''}`,
    );
  }
  out.result({
    ok: true,
    status: 'applied',
    applied: appliedNow.map(fileName),
    schemaVersion,
    durationMs: Math.round(performance.now() - started),
  });
  out.line(`applied ${appliedNow.length}: ${appliedNow.map(fileName).join(', ')}`);
  out.verdict(true, `schema at ${schemaVersion} (${((performance.now() - started) / 1000).toFixed(1)}s)`);
  return ExitCode.ok;
}

async function rollback(
  cfg: Cfg,
  out: Output,
  t: ExecTarget,
  pod: InPod,
  files: MigrationFile[],
  applied: AppliedMigration[],
  plan: MigrationPlan,
): Promise<ExitCodeValue> {
  const { session } = pod;
  const targets = rollbackTargets(applied, cfg.steps);
  if (!targets.length) {
    out.result({ ok: true, status: 'nothing-applied', rolledBack: [], schemaVersion: null });
    out.verdict(true, 'nothing to roll back: no migration is applied');
    return ExitCode.ok;
  }
  if (targets.length < cfg.steps) out.warn(`only ${targets.length} migration(s) applied; rolling back those`);
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const v of targets) {
    const f = byVersion.get(v);
    if (!f)
      throw usageError(
        `migration ${v} is applied but its file is not in ${cfg.migrationsDir}, so its down section is unknown`,
        `restore the file (git log --all -- '${cfg.migrationsDir}/${v}_*'), then roll back`,
      );
    if (!f.hasDown)
      throw usageError(
        `${f.path} has no "-- migrate:down" SQL, so it cannot be rolled back`,
        `add its down SQL under "-- migrate:down" in ${f.path}`,
      );
  }
  refuseDrift({ ...plan, drifted: plan.drifted.filter((d) => targets.includes(d.file.version)) }, 'rollback');
  if (cfg.dryRun) {
    for (const v of targets) out.line(`would roll back ${byVersion.get(v)!.path}`);
    out.result({
      ok: true,
      status: 'would-roll-back',
      rollBack: targets.map((v) => fileName(byVersion.get(v)!)),
      schemaVersion: plan.latestApplied,
    });
    out.verdict(true, `dry run: ${targets.length} to roll back, nothing changed`);
    return ExitCode.ok;
  }
  out.progress(`rolling back ${targets.length} migration(s) in ${t.where}`);
  const run = await runInPod(
    cfg,
    out,
    t,
    pod,
    targets.map((v) => byVersion.get(v)!),
    { kind: 'rollback', steps: targets.length },
  );
  const after = new Set((await readApplied(session)).map((a) => a.version));
  const undone = targets.filter((v) => !after.has(v));
  await forgetChecksums(session, undone);
  const schemaVersion = [...after].sort().at(-1) ?? null;
  const failed = targets.find((v) => after.has(v));
  if (failed || run.exitCode !== 0) {
    const f = byVersion.get(failed ?? targets.at(-1)!)!;
    const e = parseDbmateError(run.stderr);
    throw notOkError(
      `rollback failed: ${f.path} (down section)${e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : ''}: ${e.message}; rolled back before it: ${undone.length ? undone.join(', ') : 'none'}; schema now ${schemaVersion ?? 'empty'}`,
      `fix the down section of ${f.path}, then ${CMD} rollback --steps ${targets.length - undone.length}`,
    );
  }
  const names = undone.map((v) => fileName(byVersion.get(v)!));
  out.result({ ok: true, status: 'rolled-back', rolledBack: names, schemaVersion });
  out.line(`rolled back ${names.length}: ${names.join(', ')}`);
  out.verdict(true, `schema at ${schemaVersion ?? 'empty'}`);
  return ExitCode.ok;
}

async function accept(
  cfg: Cfg,
  out: Output,
  session: PodSession,
  files: MigrationFile[],
  applied: AppliedMigration[],
  version: string,
): Promise<ExitCodeValue> {
  const f = files.find((x) => x.version === version);
  if (!f) throw usageError(`no migration file with version ${version} in ${cfg.migrationsDir}`, `${CMD} status`);
  if (!applied.some((a) => a.version === version))
    throw usageError(`${f.path} is not applied yet: there is nothing to accept`, 'npm run -s db:migrate');
  await recordChecksums(session, [f]);
  out.result({ ok: true, status: 'accepted', file: f.path, sha256: f.sha256 });
  out.verdict(true, `${f.path} accepted as applied (sha256 ${f.sha256.slice(0, 12)}…)`);
  return ExitCode.ok;
}

/**
 * The pod's dbmate (copied when missing or different), then one exec with the files and dbmate.
 * The local target runs this machine's dbmate where it is.
 */
async function runInPod(
  cfg: Cfg,
  out: Output,
  t: ExecTarget,
  { session, shell }: InPod,
  files: MigrationFile[],
  action: DbmateAction,
): Promise<DbmateRun> {
  // Side by side: the pod's facts and the hash of the binary a pod like this machine would need (a
  // different pod architecture is hashed once its name is known); the shell is already waiting.
  const guessArch = hostUnameM();
  const guess = localDbmateFor(guessArch, {
    override: cfg.dbmateBinary,
    os: t.kind === 'local' ? process.platform : 'linux',
  });
  guess.catch(() => {}); // awaited below when it is the one needed; its error surfaces there
  let dbmatePath: string | undefined;
  try {
    const server = readServerSocket(session);
    server.catch(() => {}); // awaited below; a dead session surfaces in the next query too
    if (t.kind === 'local') dbmatePath = (await guess).path;
    else {
      const facts = await readPodFacts(session);
      const local = cfg.dbmateBinary || facts.arch === guessArch ? await guess : await localDbmateFor(facts.arch);
      if (await ensureDbmateInPod(t, facts, local))
        out.progress(`copied dbmate (${local.source}, linux ${facts.arch}) into ${t.where}:/tmp/dbmate`);
    }
    return await shell.run(driverScript(files, action, await server, dbmatePath));
  } catch (err) {
    shell.end();
    throw err;
  }
}
