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
  /** The SQL has its own BEGIN/COMMIT/ROLLBACK: what it committed is its own doing. */
  ownTransactions: boolean;
  /** The user's command again with --flag (set to value). */
  rerun: (flag: string, value?: string) => string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function mode(p: PsqlPlan): string {
  if (!p.write) return 'read-only';
  return p.singleTransaction ? 'in one transaction, committed' : 'changes committed';
}

/** What of the work before the failing request (or statement) stays. */
function kept(p: PsqlPlan, completed: number, own: boolean): string {
  if (!p.write) return 'nothing was changed (the session is read-only)';
  if (own)
    return p.singleTransaction
      ? "nothing was committed, unless the SQL's own COMMIT ran before the error"
      : "what the SQL's own COMMITs (or statements outside its transactions) did before the error stays; an " +
          'open transaction rolled back';
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
  const kept_ = kept(plan, r.completed, c.ownTransactions);
  if (r.exitCode === 0 && !r.timedOut) {
    // psql ends a session with a transaction still open by rolling it back: nothing of it stayed.
    if (r.finalState?.open && plan.write) {
      out.result(shape({ status: 'transaction-open' }));
      throw notOkError(
        `the SQL left a transaction open (BEGIN without COMMIT), so it rolled back when psql ended: what ran in ` +
          `it was not committed`,
        'end the SQL with COMMIT, or use --single-transaction instead of BEGIN',
      );
    }
    if (r.finalState && !plan.write && !r.finalState.readOnly) {
      out.result(shape({ status: 'read-only-lost' }));
      throw notOkError(
        'the SQL switched the read-only session to read-write: changes may have been committed',
        'check the data that SQL touched; the newest backup is in npm run -s db:backup -- list',
      );
    }
    out.result(shape({ ok: true, status: 'ok' }));
    out.verdict(true, `${plural(r.completed, 'request')} ran in ${c.where} (${mode(plan)})`);
    return ExitCode.ok;
  }
  const failing = c.labels[r.completed] ?? c.labels.at(-1) ?? 'the SQL';
  const sqlError = parseSqlError(r.stderr);
  const serverTimeout = sqlError?.sqlstate === '57014' && /statement timeout/.test(sqlError.message);
  // The SQL may set its own statement_timeout: only one that took the whole time limit is ours.
  if (r.timedOut || (serverTimeout && r.elapsedMs >= c.timeoutMs - 50)) {
    out.result(shape({ status: 'timeout', ...(sqlError ? { sqlError } : {}) }));
    throw toolError(
      `${failing} ran past the time limit of ${formatGoDuration(c.timeoutMs)} and was cancelled in ${c.where}; ` +
        kept_,
      c.rerun('timeout', '30m'),
    );
  }
  if (sqlError) return failed(out, sqlError, failing, r, c, shape);
  // Connected, then stopped by psql itself: a backslash command it could not run (invalid, no such file).
  const psqlSaid = r.stderr
    .split('\n')
    .find((l) =>
      /^psql:.*: (error|invalid command)|^invalid command|^\\|: (No such file or directory|Permission denied)$/.test(l),
    );
  if (r.connected && psqlSaid) {
    out.result(shape({ status: 'psql-error' }));
    throw notOkError(
      `psql could not run ${failing}: ${psqlSaid.replace(/^psql:[^:]*:\d+: (error: )?/, '')}; ${kept_}`,
      'correct the psql command, then run it again',
    );
  }
  if (isPasswordRejected(r.stderr))
    throw toolError(
      `the app user's password was rejected in ${c.where} (SQLSTATE 28P01); nothing ran`,
      'npm run -s db:url (it says which password is wrong and how to recover it)',
    );
  throw toolError(
    `psql in ${c.where} failed (exit ${r.exitCode}) at ${failing}: ${execErrorLine(r.stderr)}; ${kept_}`,
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
    `${failing} failed: ${describeSqlError(e)}; ${kept(c.plan, r.completed, c.ownTransactions)}`,
    e.hint ? `${e.hint.replace(/\.$/, '')}, then run it again` : 'correct the SQL, then run it again',
  );
}
