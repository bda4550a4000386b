// What a psql run did, told truthfully: the results, or which request failed, why (SQLSTATE,
// position), and what of the earlier work stays committed; a fix that reruns the user's own command.
import { formatGoDuration } from '../cli/duration.ts';
import { notOkError, toolError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { isPasswordRejected } from '../target/pod-sql.ts';
import { execErrorLine } from '../target/spawn.ts';
import type { PsqlOutcome } from './run-psql.ts';
import type { PsqlPlan } from './psql-command.ts';
import { describeSqlError, parseSqlError, type SqlError } from './sql-error.ts';

export interface ReportContext {
  plan: PsqlPlan;
  /** "postgres/postgresql-0" or "the local server (.data)". */
  where: string;
  /** Per request, for messages: '-c #2 ("select …")', 'db/report.sql'. */
  labels: readonly string[];
  timeoutMs: number;
  /** The user's command again with --flag (set to value). */
  rerun: (flag: string, value?: string) => string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function mode(p: PsqlPlan): string {
  if (!p.write) return 'read-only';
  return p.singleTransaction ? 'in one transaction, committed' : 'changes committed';
}

/** What of the work before the failing request (or statement) stays. */
function kept(p: PsqlPlan, completed: number): string {
  if (!p.write) return 'nothing was changed (the session is read-only)';
  if (p.singleTransaction) return 'nothing was committed (one transaction, rolled back)';
  if (p.source === 'commands')
    return completed
      ? `${plural(completed, 'request')} before it ran and ${completed === 1 ? 'stays' : 'stay'} committed`
      : 'nothing ran before it';
  return p.json
    ? 'its statements rolled back together, unless the SQL has its own COMMIT'
    : 'the statements before it stay committed';
}

export function reportOutcome(out: Output, r: PsqlOutcome, c: ReportContext): ExitCodeValue {
  const { plan } = c;
  const last = r.results.at(-1);
  const shape = (extra: object) => ({
    readOnly: !plan.write,
    completed: r.completed,
    ...(last ?? {}),
    ...(r.results.length > 1 ? { results: r.results } : {}),
    ...extra,
  });
  if (r.exitCode === 0 && !r.timedOut) {
    out.result(shape({ ok: true, status: 'ok' }));
    out.verdict(true, `${plural(r.completed, 'request')} ran in ${c.where} (${mode(plan)})`);
    return ExitCode.ok;
  }
  const failing = c.labels[r.completed] ?? c.labels.at(-1) ?? 'the SQL';
  const sqlError = parseSqlError(r.stderr);
  if (r.timedOut || (sqlError?.sqlstate === '57014' && /statement timeout/.test(sqlError.message))) {
    out.result(shape({ status: 'timeout', ...(sqlError ? { sqlError } : {}) }));
    throw toolError(
      `${failing} ran past the time limit of ${formatGoDuration(c.timeoutMs)} and was cancelled in ${c.where}; ` +
        kept(plan, r.completed),
      c.rerun('timeout', '30m'),
    );
  }
  if (sqlError) return failed(out, sqlError, failing, r, c, shape);
  if (isPasswordRejected(r.stderr))
    throw toolError(
      `the app user's password was rejected in ${c.where} (SQLSTATE 28P01); nothing ran`,
      'npm run -s db:url (it says which password is wrong and how to recover it)',
    );
  throw toolError(
    `psql in ${c.where} failed (exit ${r.exitCode}) at ${failing}: ${execErrorLine(r.stderr)}; ` +
      kept(plan, r.completed),
    'npm run -s db:verify',
  );
}

function failed(
  out: Output,
  e: SqlError,
  failing: string,
  r: PsqlOutcome,
  c: ReportContext,
  shape: (extra: object) => object,
): never {
  // 25006: read_only_sql_transaction. The server refused the write; the data is as it was.
  const readOnly = e.sqlstate === '25006';
  out.result(shape({ status: readOnly ? 'read-only' : 'sql-error', sqlError: e }));
  if (readOnly)
    throw notOkError(
      `${failing} writes, and db:psql is read-only unless --write: ${describeSqlError(e)}; nothing was changed`,
      c.rerun('write'),
    );
  throw notOkError(
    `${failing} failed: ${describeSqlError(e)}; ${kept(c.plan, r.completed)}`,
    e.hint ? `${e.hint.replace(/\.$/, '')}, then run it again` : 'correct the SQL, then run it again',
  );
}
