// The in-pod command that runs the user's SQL: psql as the app user (password read in the pod from
// the chart's mounted file, never in an argv), read-only unless --write, every statement bounded by
// the time limit on the server's side. The SQL arrives on stdin, so it is in no argv on this machine
// or in the API server's request; in the pod, -c requests become psql's arguments.
import { APP_LOGIN, APP_PASSWORD } from '../target/pod-sql.ts';
import { appNameExport } from '../target/session-tag.ts';

export interface PsqlPlan {
  /** 'commands': -c requests, NUL-terminated on stdin; 'file': a psql script on stdin. */
  source: 'commands' | 'file';
  json: boolean;
  write: boolean;
  singleTransaction: boolean;
  /** The server cancels a statement that runs longer (statement_timeout); 0 for none. */
  statementTimeoutMs: number;
  /** Random text that marks the end of each request's output and a NULL in --json's CSV. */
  nonce: string;
}

/**
 * The line psql prints on stdout after request `n`: `<nonce>:M <n> <rows>` (ROW_COUNT: rows returned
 * or affected; left as ":ROW_COUNT" when no SQL has run yet, e.g. after a lone backslash command).
 */
export const endMarker = (nonce: string): RegExp => new RegExp(`^${nonce}:M (\\d+) (\\d+|:ROW_COUNT)$`);
export const nullMarker = (nonce: string): string => `${nonce}:N`;
/** On stderr: `<nonce>:M <n>` after request n; `<nonce>:P <pid>` once connected; the final state. */
export const stderrMarker = (nonce: string): RegExp => new RegExp(`^${nonce}:([MPT]) (.*)$`);

/**
 * PGOPTIONS for the server session: read-only by default, statements bounded in time, and the
 * server's notices shown as psql shows them elsewhere (the image sets client_min_messages=error).
 */
export function sessionOptions(p: Pick<PsqlPlan, 'write' | 'statementTimeoutMs'>): string {
  const options = ['-c client_min_messages=notice'];
  if (!p.write) options.push('-c default_transaction_read_only=on');
  if (p.statementTimeoutMs > 0) options.push(`-c statement_timeout=${Math.ceil(p.statementTimeoutMs)}`);
  return options.join(' ');
}

const JOB = 'psql';

function prelude(p: Pick<PsqlPlan, 'write' | 'statementTimeoutMs'>): string {
  return `${APP_PASSWORD} PGCONNECT_TIMEOUT=10; ${appNameExport(JOB)} export PGOPTIONS='${sessionOptions(p)}';`;
}

/**
 * bash -c script: psql with ON_ERROR_STOP (the first error ends the run), verbose errors (SQLSTATE
 * and position), and after each request a marker on stdout (with its row count) and on stderr, so
 * the output and the errors of each request are known apart.
 */
export function psqlCommand(p: PsqlPlan): string[] {
  const mark = (n: string): string => `-c "\\\\echo ${p.nonce}:M ${n} :ROW_COUNT" -c "\\\\warn ${p.nonce}:M ${n}"`;
  const flags = [
    '-X -w -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -v SHOW_ALL_RESULTS=off',
    p.json ? `-q --csv -P null=${nullMarker(p.nonce)}` : '',
    p.singleTransaction ? '-1' : '',
    APP_LOGIN,
  ]
    .filter(Boolean)
    .join(' ');
  // First the session's backend pid (to end it on Ctrl-C whatever application_name the SQL sets);
  // last, unless psql wraps everything in its own transaction, whether the SQL left one open and
  // whether the session is still read-only. \gset keeps both off stdout.
  const first = `-f <(printf '%s\\n' 'select pg_backend_pid() as pid \\gset pgk8s_' '\\warn ${p.nonce}:P :pgk8s_pid')`;
  const probe =
    "select now() <> statement_timestamp() as open, current_setting('transaction_read_only') as ro \\gset pgk8s_";
  const last = p.singleTransaction
    ? ''
    : ` -f <(printf '%s\\n' "${probe}" '\\warn ${p.nonce}:T :pgk8s_open :pgk8s_ro')`;
  const run =
    p.source === 'commands'
      ? // Each NUL-terminated request becomes one -c, as the user gave it.
        `set --; n=0; while IFS= read -r -d '' sql; do n=$((n+1)); set -- "$@" -c "$sql" ${mark('$n')}; done; ` +
        `exec psql ${flags} ${first} "$@"${last}`
      : p.json
        ? // One request, as psql -c sends it: the result shown is its last statement's.
          `sql="$(cat)"; exec psql ${flags} ${first} -c "$sql" ${mark('1')}${last}`
        : `exec psql ${flags} ${first} -f - ${mark('1')}${last}`;
  return ['bash', '-c', `${prelude(p)} ${run}`];
}

/** What goes on stdin for `psqlCommand`: the requests NUL-terminated, or the script as it is. */
export function psqlInput(p: Pick<PsqlPlan, 'source'>, sql: readonly string[]): string {
  return p.source === 'commands' ? sql.map((s) => `${s}\0`).join('') : (sql[0] ?? '');
}

/** An interactive psql on a terminal (kubectl exec -it), with the same session options. */
export function interactiveCommand(p: Pick<PsqlPlan, 'write' | 'statementTimeoutMs'>): string[] {
  // No history file: what is typed may hold secrets, and the image's user has no home to keep it in.
  return ['bash', '-c', `${prelude(p)} export PSQL_HISTORY=/dev/null; exec psql -X ${APP_LOGIN}`];
}

/** The application_name of this run's psql session, to end it from another session on Ctrl-C. */
export { JOB as PSQL_JOB };
