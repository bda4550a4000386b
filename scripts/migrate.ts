// migrate.ts: dbmate migrations run INSIDE the pod, under the maintenance lock, with checksums of
// applied files (drift), strict ordering, and success read from schema_migrations, never from
// dbmate's text, after squawk's lint of the pending files. Actions: up (default), status, rollback [--steps N],
// new NAME, accept VERSION, lint [--pending].
import { usageError } from './lib/cli/errors.ts';
import { runScript } from './lib/cli/run-script.ts';
import { acceptEdited } from './lib/migrate/accept.ts';
import { applyPending } from './lib/migrate/apply.ts';
import { MIGRATE_CMD as CMD } from './lib/migrate/command.ts';
import { connectForMigration } from './lib/migrate/connect.ts';
import { createMigration } from './lib/migrate/create.ts';
import { startPodShell } from './lib/migrate/dbmate-in-pod.ts';
import { MIGRATE_OPTIONS } from './lib/migrate/options.ts';
import { rollback } from './lib/migrate/rollback.ts';
import { reportStatus } from './lib/migrate/status.ts';
import { readMigrations } from './lib/schema/migration-files.ts';
import { planMigrations } from './lib/schema/migration-plan.ts';
import { readApplied, readRolledBack } from './lib/schema/migration-state.ts';
import { execTarget } from './lib/target/exec-target.ts';
import { lintAction, lintOrWarn, parseAllow, refuseBlocked, sayExceptions } from './lib/migrate/lint.ts';

await runScript(
  {
    command: CMD,
    summary:
      'Apply, list, roll back or create dbmate migrations, run inside the database pod under the maintenance lock.',
    usage: `${CMD} [up | status | rollback [--steps N | --to VERSION] | new NAME | accept VERSION | lint] [flags]`,
    positionals: [
      { name: 'up | status | rollback | new NAME | accept VERSION | lint', description: 'what to do (default: up)' },
    ],
    spec: MIGRATE_OPTIONS,
    allowPositionals: true,
    examples: [
      `npm run -s db:migrate`,
      `${CMD} status`,
      `${CMD} rollback --steps 2`,
      `${CMD} new add_hints`,
      `${CMD} --dry-run`,
      `${CMD} lint --pending`,
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
    if (!['up', 'status', 'rollback', 'accept', 'lint'].includes(action) || (action !== 'accept' && args.length)) {
      throw usageError(
        `unknown action "${positionals.join(' ')}"`,
        `${CMD} up | status | rollback | new NAME | accept VERSION | lint`,
      );
    }
    if (action !== 'rollback' && cfg.steps !== 1)
      throw usageError('--steps goes with rollback', `${CMD} rollback --steps ${cfg.steps}`);
    if (cfg.to !== undefined && (action !== 'rollback' || cfg.steps !== 1 || !/^\d+$/.test(cfg.to)))
      throw usageError(
        `--to goes with rollback, alone, and takes a migration VERSION (digits), not "${cfg.to}"`,
        `${CMD} rollback --to VERSION (see: ${CMD} status --json)`,
      );
    if (action === 'rollback' && cfg.steps < 1)
      throw usageError(`--steps must be 1 or more, not ${cfg.steps}`, `${CMD} rollback --steps 1`);
    const version = action === 'accept' ? one('VERSION') : null;
    if (cfg.pending && action !== 'lint') throw usageError('--pending goes with lint', `${CMD} lint --pending`);
    // Every file is read and linted before the cluster is contacted.
    const files = readMigrations(cfg.migrationsDir);
    const allow = parseAllow(cfg.allow);
    if (action === 'lint' && !cfg.pending) return lintAction(out, files, allow, cfg.migrationsDir);
    const lint = action === 'up' ? await lintOrWarn(out, files, allow) : null;
    const t = execTarget(cfg, action === 'status' || action === 'lint' ? 'migration status' : 'migration');
    // A blocking finding in a file not yet applied refuses up before the lock is taken.
    if (action === 'lint' || lint?.findings.some((f) => f.blocking)) {
      const { session, release } = await connectForMigration(cfg, t, false);
      const pending = await readApplied(session)
        .then((applied) => planMigrations(files, applied).pending)
        .finally(release);
      if (action === 'lint') return lintAction(out, pending, allow, `the ${pending.length} pending`);
      refuseBlocked(out, lint!, pending);
    }
    const writes = action !== 'status' && !cfg.dryRun;
    // The shell dbmate will run in starts beside the lock session (each costs a kubectl round trip)
    // and waits on its stdin; with nothing to apply it is ended unused.
    const connecting = connectForMigration(cfg, t, writes);
    const shell = writes && action !== 'accept' ? startPodShell(t) : null;
    try {
      const { session, release, lock } = await connecting;
      try {
        const applied = await readApplied(session);
        const plan = planMigrations(files, applied);
        // `return await`: the finally below must not release the lock before the work is done.
        if (action === 'status') {
          const lint = await lintOrWarn(out, plan.pending, allow);
          const risky = new Set(lint?.findings.filter((f) => f.blocking).map((f) => f.file));
          return reportStatus(out, files, plan, await readRolledBack(session), risky);
        }
        if (action === 'accept') return await acceptEdited(cfg, out, session, files, applied, version!);
        if (action === 'rollback')
          return await rollback(cfg, out, t, { session, shell: shell!, lock }, files, applied, plan);
        if (lint && !cfg.dryRun) sayExceptions(out, lint, plan.pending);
        return await applyPending(cfg, out, t, { session, shell: shell! }, plan);
      } finally {
        await release();
      }
    } finally {
      shell?.end();
    }
  },
);
