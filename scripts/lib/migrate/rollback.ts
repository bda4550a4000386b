// migrate rollback [--steps N]: the newest applied files' down sections, newest first.
import { notOkError, usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import type { MigrationFile } from '../schema/migration-files.ts';
import { rollbackTargets, stepsTo, type AppliedMigration, type MigrationPlan } from '../schema/migration-plan.ts';
import { markRolledBack, readApplied } from '../schema/migration-state.ts';
import type { ExecTarget } from '../target/spawn.ts';
import { fileName, type InPod, MIGRATE_CMD, type MigrateConfig } from './command.ts';
import { parseDbmateError } from './dbmate-in-pod.ts';
import { refuseDrift } from './drift.ts';
import { runDbmate } from './run-dbmate.ts';
import { guardRollback } from './rollback-safety.ts';
import { shWord } from '../cli/sh-quote.ts';

export async function rollback(
  cfg: MigrateConfig,
  out: Output,
  t: ExecTarget,
  pod: InPod,
  files: MigrationFile[],
  applied: AppliedMigration[],
  plan: MigrationPlan,
): Promise<ExitCodeValue> {
  const { session } = pod;
  const steps = cfg.to === undefined ? cfg.steps : stepsTo(applied, cfg.to);
  if (steps === null)
    throw usageError(
      `--to ${cfg.to} is not an applied version (newest applied: ${plan.latestApplied ?? 'none'})`,
      `${MIGRATE_CMD} status`,
    );
  if (steps === 0) {
    out.result({ ok: true, status: 'nothing-newer', rolledBack: [], schemaVersion: plan.latestApplied });
    out.verdict(true, `nothing to roll back: ${cfg.to} is the newest applied`);
    return ExitCode.ok;
  }
  const targets = rollbackTargets(applied, steps);
  if (!targets.length) {
    out.result({ ok: true, status: 'nothing-applied', rolledBack: [], schemaVersion: null });
    out.verdict(true, 'nothing to roll back: no migration is applied');
    return ExitCode.ok;
  }
  if (targets.length < steps) out.warn(`only ${targets.length} migration(s) applied; rolling back those`);
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
  const { holding, other, safety } = await guardRollback(
    cfg,
    out,
    t,
    pod,
    targets.map((v) => byVersion.get(v)!),
  );
  if (cfg.dryRun) {
    for (const v of targets) out.line(`would roll back ${byVersion.get(v)!.path}`);
    if (holding.length || other.length)
      out.line(
        `would take a safety backup first (${[
          holding.length ? `tables holding rows: ${holding.join(', ')}` : '',
          other.length ? `may delete data: ${other.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ')})`,
      );
    out.result({
      ok: true,
      status: 'would-roll-back',
      rollBack: targets.map((v) => fileName(byVersion.get(v)!)),
      tablesHoldingRows: holding,
      mayDeleteData: other,
      schemaVersion: plan.latestApplied,
    });
    out.verdict(true, `dry run: ${targets.length} to roll back, nothing changed`);
    return ExitCode.ok;
  }
  out.progress(`rolling back ${targets.length} migration(s) in ${t.where}`);
  const run = await runDbmate(
    cfg,
    out,
    t,
    pod,
    targets.map((v) => byVersion.get(v)!),
    { kind: 'rollback', steps: targets.length },
  );
  const after = new Set((await readApplied(session)).map((a) => a.version));
  const undone = targets.filter((v) => !after.has(v));
  await markRolledBack(
    session,
    undone.map((v) => byVersion.get(v)!),
  );
  const schemaVersion = [...after].sort().at(-1) ?? null;
  const failed = targets.find((v) => after.has(v));
  if (failed || run.exitCode !== 0) {
    const f = byVersion.get(failed ?? targets.at(-1)!)!;
    const e = parseDbmateError(run.stderr);
    throw notOkError(
      `rollback failed: ${f.path} (down section)${e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : ''}: ${e.message}; ` +
        `rolled back before it: ${undone.length ? undone.join(', ') : 'none'}; schema now ` +
        `${schemaVersion ?? 'empty'}`,
      `fix the down section of ${f.path}, then ${MIGRATE_CMD} rollback --steps ${targets.length - undone.length}`,
    );
  }
  const names = undone.map((v) => fileName(byVersion.get(v)!));
  out.result({ ok: true, status: 'rolled-back', rolledBack: names, schemaVersion, safetyBackup: safety });
  out.line(`rolled back ${names.length}: ${names.join(', ')}`);
  if (safety) out.line(`safety backup: ${safety} (undo: npm run -s db:backup -- restore ${shWord(safety)} --yes)`);
  // The files stay, so the next `up` applies them again: say so, with the way to keep them out.
  out.line(
    `still in ${cfg.migrationsDir}, so the next "npm run -s db:migrate" applies ${names.length > 1 ? 'them' : 'it'} ` +
      `again; to keep ${names.length > 1 ? 'them' : 'it'} out: ${removeCommand(undone.map((v) => byVersion.get(v)!))}`,
  );
  out.verdict(true, `schema at ${schemaVersion ?? 'empty'}`);
  return ExitCode.ok;
}

/** rm of the files, quoted for the shell. */
export function removeCommand(files: readonly MigrationFile[]): string {
  return `rm ${files.map((f) => shWord(f.path)).join(' ')}`;
}
