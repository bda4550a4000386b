// One psql run on the target: the SQL in on stdin, the output read as it comes (lines for a human,
// results for --json), each request's end known by its marker on stderr. On Ctrl-C or past the time
// limit the server session is ended by its backend pid from a second session: killing kubectl does
// not stop psql in the pod (kubernetes#89031), and a statement there would run on.
import { onInterrupt } from '../cli/run-script.ts';
import { appQueryCommand } from '../target/pod-sql.ts';
import { sessionsOf } from '../target/session-tag.ts';
import { collectOutput, spawnOnTarget, type ExecTarget } from '../target/spawn.ts';
import { createResultReader, type SqlResult } from './csv-results.ts';
import { endMarker, PSQL_JOB, psqlCommand, psqlInput, stderrMarker, type PsqlPlan } from './psql-command.ts';

export interface PsqlOutcome {
  exitCode: number;
  /** psql's stderr after the last request that completed, markers and notices left out. */
  stderr: string;
  /** Requests that completed (their end marker arrived). */
  completed: number;
  /** The session came up (its backend pid arrived). */
  connected: boolean;
  /** At the end: the SQL left a transaction open, and whether the session was still read-only. */
  finalState: { open: boolean; readOnly: boolean } | null;
  /** --json: one result per completed request. */
  results: SqlResult[];
  timedOut: boolean;
  interrupted: boolean;
  elapsedMs: number;
}

const STDERR_LIMIT = 100_000;
const NOTICE = /^(NOTICE|WARNING|INFO|LOG|DEBUG):/;

export async function runPsql(
  t: ExecTarget,
  plan: PsqlPlan,
  sql: readonly string[],
  o: {
    maxRows: number;
    limitMs: number;
    onLine: (line: string) => void;
    onNotice: (line: string) => void;
    onInterrupted: () => void;
  },
): Promise<PsqlOutcome> {
  const started = performance.now();
  const child = spawnOnTarget(t, psqlCommand(plan), true);
  const done = collectOutput(child, 0);
  const reader = createResultReader(plan.nonce, o.maxRows);
  const stdoutMarker = endMarker(plan.nonce);
  const marker = stderrMarker(plan.nonce);
  let completed = 0;
  let pid = '';
  let finalState: PsqlOutcome['finalState'] = null;
  let stdoutPartial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    if (plan.json) return reader.push(chunk);
    const lines = (stdoutPartial + chunk).split('\n');
    stdoutPartial = lines.pop() ?? '';
    for (const line of lines) if (!stdoutMarker.test(line)) o.onLine(line);
  });
  let stderr = '';
  let stderrPartial = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    const lines = (stderrPartial + chunk).split('\n');
    stderrPartial = lines.pop() ?? '';
    for (const line of lines) {
      const m = marker.exec(line);
      if (m?.[1] === 'M') {
        completed = Number(m[2]);
        // Only the failing request's report matters: what came before its marker is dropped.
        stderr = '';
      } else if (m?.[1] === 'P') pid = /^\d+$/.test(m[2]!) ? m[2]! : '';
      else if (m?.[1] === 'T') {
        const [open, ro] = m[2]!.split(' ');
        finalState = { open: open === 't', readOnly: ro === 'on' };
      } else if (!plan.json && NOTICE.test(line)) o.onNotice(line);
      else stderr = `${stderr}${line}\n`.slice(-STDERR_LIMIT);
    }
  });
  child.stdin?.end(psqlInput(plan, sql));

  let timedOut = false;
  let interrupted = false;
  const stop = async (): Promise<void> => {
    await endServerSession(t, pid);
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
  const forget = onInterrupt(async () => {
    interrupted = true;
    await stop();
    o.onInterrupted();
  });
  try {
    const r = await done;
    if (stdoutPartial && !plan.json) o.onLine(stdoutPartial);
    if (stderrPartial) stderr += stderrPartial;
    return {
      exitCode: r.exitCode,
      stderr,
      completed,
      connected: pid !== '',
      finalState,
      results: reader.results(),
      timedOut,
      interrupted,
      elapsedMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timer);
    forget();
  }
}

/** Ends this run's psql session on the server (its open transaction rolls back): by pid once known. */
export async function endServerSession(t: ExecTarget, pid: string): Promise<void> {
  const which = pid ? `from pg_stat_activity where pid = ${pid}` : sessionsOf(PSQL_JOB);
  const sql = `select count(pg_terminate_backend(pid)) ${which} and pid <> pg_backend_pid()`;
  await collectOutput(spawnOnTarget(t, appQueryCommand(sql), false));
}
