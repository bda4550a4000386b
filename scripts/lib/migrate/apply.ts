// migrate up: the pending files in order, in one exec, success read from schema_migrations.
import { join } from 'node:path';
import { notOkError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { newVersion } from '../schema/migration-files.ts';
import type { MigrationPlan } from '../schema/migration-plan.ts';
import { readApplied, recordChecksums } from '../schema/migration-state.ts';
import { storageFix } from '../target/exec-target.ts';
import type { ExecTarget } from '../target/spawn.ts';
import { fileName, type InPod, MIGRATE_CMD, type MigrateConfig } from './command.ts';
import { parseDbmateError } from './dbmate-in-pod.ts';
import { refuseDrift } from './drift.ts';
import { runDbmate } from './run-dbmate.ts';
import { describeLockWait, lockHolders } from './lock-holders.ts';
import { formatGoDuration } from '../cli/duration.ts';
import { sqlParts } from '../schema/sql-text.ts';

export async function applyPending(
  cfg: MigrateConfig,
  out: Output,
  t: ExecTarget,
  pod: InPod,
  plan: MigrationPlan,
): Promise<ExitCodeValue> {
  const { session } = pod;
  const started = performance.now();
  refuseDrift(plan, 'up');
  if (plan.missing.length) out.warn(`applied, but no local file: ${plan.missing.join(', ')} (another branch?)`);
  const [early] = plan.outOfOrder;
  if (early && !cfg.allowOutOfOrder) {
    throw notOkError(
      `${early.path} sorts before ${plan.latestApplied}, which is already applied: in strict order it would never run`,
      `give it a newer version: git mv ${early.path} ` +
        `${join(cfg.migrationsDir, `${newVersion(new Date())}_${early.name}.sql`)} (or pass --allow-out-of-order)`,
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
  const run = await runDbmate(cfg, out, t, pod, plan.pending, { kind: 'migrate', strict: !cfg.allowOutOfOrder });
  const after = new Set((await readApplied(session)).map((a) => a.version));
  const appliedNow = plan.pending.filter((f) => after.has(f.version));
  await recordChecksums(session, appliedNow);
  const failed = plan.pending.find((f) => !after.has(f.version));
  const schemaVersion = [...after].sort().at(-1) ?? null;
  if (failed || run.exitCode !== 0) {
    const culprit = failed ?? plan.pending.at(-1)!;
    const e = parseDbmateError(run.stderr);
    // SQLSTATE 53100 (disk_full): the file is fine, the volume is not.
    const full = e.sqlstate === '53100' || /No space left on device|could not extend file/.test(e.message);
    // SQLSTATE 55P03 (lock_not_available): the file is fine, another session held its table too long.
    const locked = e.sqlstate === '55P03' && /lock timeout/.test(e.message);
    if (locked) {
      const ownTimeout = /\block_timeout\b/i.test(sqlParts(culprit.content).code);
      e.message = describeLockWait(ownTimeout ? null : cfg.lockTimeout, await lockHolders(session));
    }
    const fix = full
      ? `the database volume is full: grow it (${storageFix(t)}), then npm run -s db:migrate`
      : locked
        ? 'once that transaction ends, npm run -s db:migrate (or wait longer: npm run -s db:migrate -- ' +
          `--lock-timeout ${formatGoDuration(cfg.lockTimeout * 6)})`
        : `fix ${culprit.path}, then npm run -s db:migrate`;
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
        code: full ? 'volume-full' : locked ? 'lock-timeout' : 'migration-failed',
        message: `${where}: ${e.message}`,
        fix,
      },
    });
    throw notOkError(
      `migration failed: ${where}: ${e.message}; ${state}; schema now ${schemaVersion ?? 'empty'}`,
      fix + (appliedNow.length ? ` (undo this run: ${MIGRATE_CMD} rollback --steps ${appliedNow.length})` : ''),
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
