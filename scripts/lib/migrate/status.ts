// migrate status: which files are applied, pending, changed since applied, or applied without a file.
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import type { MigrationFile } from '../schema/migration-files.ts';
import type { MigrationPlan } from '../schema/migration-plan.ts';
import { fileName, MIGRATE_CMD } from './command.ts';
import { removeCommand } from './rollback.ts';

/** At most five lines whatever the number of files: one per kind, the verdict last; --json has them all. */
export function reportStatus(
  out: Output,
  files: MigrationFile[],
  plan: MigrationPlan,
  rolledBack: ReadonlySet<string>,
  /** Pending files with a blocking lint finding: up would refuse them. */
  risky: ReadonlySet<string> = new Set(),
): ExitCodeValue {
  const drifted = new Set(plan.drifted.map((d) => d.file.version));
  const pending = new Set(plan.pending.map((f) => f.version));
  const rows = files.map((f) => ({
    version: f.version,
    file: f.path,
    state: drifted.has(f.version) ? 'changed' : pending.has(f.version) ? 'pending' : 'applied',
    ...(pending.has(f.version) && rolledBack.has(f.version) ? { rolledBack: true } : {}),
  }));
  const undone = plan.pending.filter((f) => rolledBack.has(f.version));
  const mark = (f: MigrationFile): string =>
    `${fileName(f)}${rolledBack.has(f.version) ? ' (rolled back)' : ''}${risky.has(f.path) ? ' (lint: blocking)' : ''}`;
  const applied = rows.filter((r) => r.state !== 'pending');
  if (applied.length) out.line(`[X] applied: ${applied.length} (${applied[0]!.version} … ${applied.at(-1)!.version})`);
  if (plan.pending.length) out.line(`[ ] pending: ${plan.pending.map(mark).join(', ')}`);
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
  const keepOut = undone.length
    ? `; or keep the rolled-back ${undone.length > 1 ? 'ones' : 'one'} out: ${removeCommand(undone)}`
    : '';
  const problems = [
    plan.pending.length &&
      `${plan.pending.length} pending (npm run -s db:migrate${keepOut}` +
        `${risky.size ? `; ${risky.size} with a blocking lint finding: ${MIGRATE_CMD} lint --pending` : ''})`,
    plan.drifted.length && `${plan.drifted.length} changed since applied (${acceptHint(plan.drifted)})`,
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

// The command for the first changed file, as printed; the others are named so each gets its own look.
function acceptHint(drifted: ReadonlyArray<{ file: MigrationFile }>): string {
  const [first, ...rest] = drifted.map((d) => d.file.version);
  const others = rest.length ? `, then the same for ${rest.join(', ')}` : '';
  return `${MIGRATE_CMD} accept ${first}${others}, or restore the file${rest.length ? 's' : ''}`;
}
