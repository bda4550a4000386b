// One psql run on the target: the SQL in on stdin, the output read as it comes (lines for a human,
// results for --json), each request's end known by its markers. On Ctrl-C or past the time limit the
// server session is ended from a second session: killing kubectl does not stop psql in the pod
// (kubernetes#89031), and a statement there would run on.
import { onInterrupt } from '../cli/run-script.ts';
import { appQueryCommand } from '../target/pod-sql.ts';
import { sessionName } from '../target/session-tag.ts';
import { collectOutput, spawnOnTarget, type ExecTarget } from '../target/spawn.ts';
import { createResultReader, type SqlResult } from './csv-results.ts';
import { endMarker, PSQL_JOB, psqlCommand, psqlInput, type PsqlPlan } from './psql-command.ts';

export interface PsqlOutcome {
  exitCode: number;
  /** psql's stderr after the last request that completed: the failing one's report. */
  stderr: string;
  /** Requests that completed (their end marker arrived). */
  completed: number;
  /** --json: one result per completed request. */
  results: SqlResult[];
  timedOut: boolean;
}

const STDERR_LIMIT = 100_000;

export async function runPsql(
  t: ExecTarget,
  plan: PsqlPlan,
  sql: readonly string[],
  o: { maxRows: number; limitMs: number; onLine: (line: string) => void },
): Promise<PsqlOutcome> {
  const child = spawnOnTarget(t, psqlCommand(plan), true);
  const marker = endMarker(plan.nonce);
  const reader = createResultReader(plan.nonce, o.maxRows);
  let completed = 0;
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    if (plan.json) {
      reader.push(chunk);
      completed = reader.results().length;
      return;
    }
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (marker.test(line)) completed++;
      else o.onLine(line);
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Only the failing request's report matters: what came before its marker is dropped.
    stderr = (stderr + chunk).slice(-STDERR_LIMIT);
    const last = stderr.lastIndexOf(`${plan.nonce}:M `);
    if (last >= 0) stderr = stderr.slice(stderr.indexOf('\n', last) + 1);
  });
  const done = collectOutput(child, 0);
  child.stdin?.end(psqlInput(plan, sql));

  let timedOut = false;
  const stop = async (): Promise<void> => {
    await endServerSession(t);
    try {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone already
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    void stop();
  }, o.limitMs);
  const forget = onInterrupt(stop);
  try {
    const r = await done;
    if (partial && !plan.json) o.onLine(partial);
    return { exitCode: r.exitCode, stderr, completed, results: reader.results(), timedOut };
  } finally {
    clearTimeout(timer);
    forget();
  }
}

/** Ends this run's psql session on the server (its open transaction rolls back). */
export async function endServerSession(t: ExecTarget): Promise<void> {
  const sql =
    'select count(pg_terminate_backend(pid)) from pg_stat_activity ' +
    `where application_name = '${sessionName(PSQL_JOB)}' and pid <> pg_backend_pid()`;
  await collectOutput(spawnOnTarget(t, appQueryCommand(sql), false));
}
