// migrate lint, and the gate up passes first: the findings printed, the blocking ones refusing up before
// the lock, the ways past one visible (squawk's ignore comment in the file, --allow for one run).
import { CliError, usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { shellLine, withFlag } from '../cli/rerun-command.ts';
import type { MigrationFile } from '../schema/migration-files.ts';
import { MIGRATE_CMD } from './command.ts';
import { type LintedFinding, type LintReport, lintFiles } from '../schema/migration-lint.ts';

/** --allow a,b: rule names as squawk spells them. */
export function parseAllow(text: string | undefined): Set<string> {
  if (text === undefined) return new Set();
  const rules = text.split(',').map((r) => r.trim());
  const bad = rules.find((r) => !/^[a-z][a-z-]*[a-z]$/.test(r));
  if (bad !== undefined)
    throw usageError(
      `--allow takes squawk rule names, comma-separated (e.g. adding-required-field), not "${bad}"`,
      `${MIGRATE_CMD} lint`,
    );
  return new Set(rules);
}

export function findingLine(f: LintedFinding): string {
  const tag = f.blocking ? '' : f.allowed ? ' [allowed for this run]' : ' [warning]';
  return `${f.file}:${f.line} ${f.rule}: ${f.message}${f.help ? ` (fix: ${f.help})` : ''}${tag}`;
}

function printReport(out: Output, r: LintReport): void {
  for (const f of r.findings) out.line(findingLine(f));
  for (const i of r.ignores) out.line(`${i.file}:${i.line} squawk-ignore ${i.rules} (an exception in the file)`);
}

/** migrate lint: exit 0 when no blocking rule fires, 1 when one does. */
export async function lintAction(
  out: Output,
  files: readonly MigrationFile[],
  allow: ReadonlySet<string>,
  scope: string,
): Promise<ExitCodeValue> {
  const r = await lintFiles(files, allow);
  printReport(out, r);
  const blocking = r.findings.filter((f) => f.blocking);
  out.result({ ok: blocking.length === 0, status: blocking.length ? 'blocked' : 'clean', files: files.length, ...r });
  const rules = [...new Set(blocking.map((f) => f.rule))].join(', ');
  out.verdict(
    blocking.length === 0,
    blocking.length
      ? `${blocking.length} blocking finding(s) in ${scope} (${rules}); see README "migrate" for why each blocks`
      : r.findings.length
        ? `no blocking finding in ${files.length} file(s) in ${scope}, ${r.findings.length} warning(s) above`
        : `${files.length} file(s) in ${scope} lint clean (squawk; rules in .squawk.toml)`,
  );
  return blocking.length ? ExitCode.notOk : ExitCode.ok;
}

/**
 * up's gate: a blocking finding in a file about to be applied refuses the run (exit 2, nothing applied),
 * with the ways past it that stay visible in review (sayExceptions prints them when they are used).
 */
export function refuseBlocked(out: Output, r: LintReport, pending: readonly MigrationFile[]): void {
  const paths = new Set(pending.map((f) => f.path));
  const [first, ...more] = r.findings.filter((x) => paths.has(x.file) && x.blocking);
  if (!first) return;
  for (const f of more) out.progress(`lint: ${findingLine(f)}`);
  const rules = [...new Set([first, ...more].map((f) => f.rule))].join(',');
  const squawkSays = first.help ? ` (squawk: ${first.help})` : '';
  throw usageError(
    `${first.file}:${first.line} ${first.rule}: ${first.message}${squawkSays}` +
      `${more.length ? ` (and ${more.length} more)` : ''}; up refused, nothing applied`,
    `${MIGRATE_CMD} ${shellLine(withFlag(process.argv.slice(2), 'allow', rules))} (this run only), or once ` +
      `reviewed a "-- squawk-ignore ${first.rule}" line above ${first.file}:${first.line}`,
  );
}

/** What up lets through in the files it applies: allowed findings and ignore comments, one line each. */
export function sayExceptions(out: Output, r: LintReport, pending: readonly MigrationFile[]): void {
  const paths = new Set(pending.map((f) => f.path));
  const mine = (x: { file: string }) => paths.has(x.file);
  for (const f of r.findings.filter((x) => mine(x) && x.allowed)) out.progress(`lint: ${findingLine(f)}`);
  for (const i of r.ignores.filter(mine)) out.progress(`lint: ${i.file}:${i.line} squawk-ignore ${i.rules}`);
}

/** For up and status: a linter that cannot run here is said once and skipped, never a reason to stop. */
export async function lintOrWarn(
  out: Output,
  files: readonly MigrationFile[],
  allow: ReadonlySet<string>,
): Promise<LintReport | null> {
  try {
    return await lintFiles(files, allow);
  } catch (err) {
    const fix = err instanceof CliError && err.fix ? ` (fix: ${err.fix})` : '';
    out.warn(`lint skipped: ${err instanceof Error ? err.message : String(err)}${fix}`);
    return null;
  }
}
