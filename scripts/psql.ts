// psql.ts: SQL as the app user, in the pod (or on the local target), read-only unless --write: -c
// requests, a file, or stdin; psql's table for a human, rows as JSON for an agent; an interactive
// psql at a terminal.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { usageError } from './lib/cli/errors.ts';
import { ExitCode, type ExitCodeValue } from './lib/cli/exit-codes.ts';
import { runScript } from './lib/cli/run-script.ts';
import { shellLine, withFlag, withoutFlag } from './lib/cli/rerun-command.ts';
import { assertTargetReady, execTarget } from './lib/target/exec-target.ts';
import { runInteractive } from './lib/psql/interactive.ts';
import { PSQL_OPTIONS } from './lib/psql/options.ts';
import type { PsqlPlan } from './lib/psql/psql-command.ts';
import { readOnlyEscape } from './lib/psql/read-only-guard.ts';
import { sqlParts } from './lib/schema/sql-text.ts';
import { reportOutcome } from './lib/psql/report.ts';
import { runPsql } from './lib/psql/run-psql.ts';

const CMD = 'npm run -s db:psql --';
/** --json sends a file as one psql -c, an argument in the pod: well under Linux's 128 KiB for one. */
const ONE_REQUEST_MAX = 100_000;
const MAX_ROWS_LIMIT = 1_000_000;

const snippet = (sql: string): string => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 60 ? `${flat.slice(0, 57)}...` : flat);
};

function readSqlFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw usageError(`--file ${file} ${why}; nothing ran`, `${CMD} -f PATH-TO-A-SQL-FILE`);
  }
}

await runScript(
  {
    command: CMD,
    summary:
      'Run SQL as the app user in the database pod (or on the local target). Read-only unless --write. With ' +
      'a terminal and no SQL given, an interactive psql.',
    usage: `${CMD} [-c SQL]... | -f FILE | < FILE [flags]`,
    spec: PSQL_OPTIONS,
    examples: [
      `${CMD} -c 'select count(*) from users'`,
      `${CMD} --json -c 'select id, email from users' --max-rows 50`,
      `${CMD} --write -f db/fix.sql --single-transaction`,
      'npm run -s db:psql',
    ],
  },
  async ({ cfg, out }): Promise<ExitCodeValue> => {
    const fromStdin = !cfg.command.length && (cfg.file === '-' || (cfg.file === undefined && !process.stdin.isTTY));
    const argv = process.argv.slice(2);
    const onStdin = fromStdin ? ' < FILE (the same SQL on stdin)' : '';
    const rerun = (flag: string, value?: string, short?: string): string =>
      `${CMD} ${shellLine(withFlag(argv, flag, value, short))}${onStdin}`;
    if (!Number.isInteger(cfg.maxRows) || cfg.maxRows < 1 || cfg.maxRows > MAX_ROWS_LIMIT)
      throw usageError(`--max-rows ${cfg.maxRows} is not between 1 and ${MAX_ROWS_LIMIT}`, rerun('max-rows', '1000'));
    if (cfg.command.length && cfg.file !== undefined)
      throw usageError(
        '-c and -f were both given; pass SQL one way',
        `${CMD} ${shellLine(withoutFlag(argv, 'command', { takesValue: true, short: 'c' }))}`,
      );
    const t = execTarget(cfg, 'SQL');
    const plan: PsqlPlan = {
      source: cfg.command.length ? 'commands' : 'file',
      json: cfg.json,
      write: cfg.write,
      singleTransaction: cfg.singleTransaction,
      statementTimeoutMs: cfg.timeout,
      nonce: `pgk8s${randomBytes(8).toString('hex')}`,
    };
    if (!cfg.command.length && cfg.file === undefined && !fromStdin) {
      if (cfg.json || !process.stdout.isTTY)
        throw usageError('no SQL given: stdin is a terminal and there is no -c or -f', `${CMD} -c 'select 1'`);
      await assertTargetReady(cfg, t, 'psql session');
      // A dry run may look, never change: the session is read-only whatever --write says.
      const write = cfg.write && !cfg.dryRun;
      const readOnly = cfg.dryRun ? ', read-only (--dry-run)' : ', read-only (--write to change data)';
      out.progress(`psql in ${t.where}${write ? '' : readOnly}; \\q quits`);
      return (await runInteractive(t, { write, statementTimeoutMs: 0 })) as ExitCodeValue;
    }
    const sql = cfg.command.length
      ? [...cfg.command]
      : [fromStdin ? await text(process.stdin) : readSqlFile(cfg.file!)];
    const labels = cfg.command.length
      ? sql.map((s, i) => `-c #${i + 1} (${snippet(s)})`)
      : [fromStdin ? 'the SQL on stdin' : cfg.file!];
    for (const [i, s] of sql.entries()) {
      if (!s.trim()) throw usageError(`${labels[i]} has no SQL; nothing ran`, `${CMD} -c 'select 1'`);
      if (s.includes('\0')) throw usageError(`${labels[i]} has a NUL byte: it is not SQL text; nothing ran`);
      if (plan.json && plan.source === 'file' && Buffer.byteLength(s) > ONE_REQUEST_MAX)
        throw usageError(
          `${labels[i]} is ${Buffer.byteLength(s)} bytes; with --json a file is sent as one request of at most ` +
            `${ONE_REQUEST_MAX}; nothing ran`,
          `${CMD} ${shellLine(withoutFlag(argv, 'json', { takesValue: false }))}${onStdin}`,
        );
      // --json reads result tables only: what psql prints for itself (\echo, \d, \x) or COPY's data is not one.
      const code = sqlParts(s).code;
      if (plan.json && /\\[a-zA-Z!?]|\bcopy\b[^;]*\bto\s+stdout\b/i.test(code))
        throw usageError(
          `${labels[i]} has a psql backslash command or COPY … TO STDOUT, whose output is no result table; ` +
            'with --json, SQL only; nothing ran',
          `${CMD} ${shellLine(withoutFlag(argv, 'json', { takesValue: false }))}${onStdin}`,
        );
      const leavesReadOnly = cfg.write ? '' : readOnlyEscape(s);
      if (leavesReadOnly)
        throw usageError(
          `${labels[i]} ${leavesReadOnly}, and db:psql is read-only unless --write; nothing ran`,
          rerun('write'),
        );
    }
    await assertTargetReady(cfg, t, 'SQL');
    if (cfg.dryRun && cfg.write) {
      out.result({ ok: true, status: 'dry-run', sql: labels, where: t.where });
      out.verdict(true, `dry run: would run ${labels.join(', ')} with --write in ${t.where}; nothing changed`);
      return ExitCode.ok;
    }
    const outcome = await runPsql(t, plan, sql, {
      maxRows: cfg.maxRows,
      limitMs: cfg.timeout + 10_000,
      onLine: (line) => out.line(line),
      onNotice: (line) => out.progress(line),
      onInterrupted: () =>
        out.progress(`interrupted: the SQL session in ${t.where} was ended; what it had not committed rolled back`),
    });
    // Ctrl-C: the interrupt's cleanup ended the session and exits 130; there is nothing to report here.
    if (outcome.interrupted) await new Promise<never>(() => {});
    const ownTransactions = sql.some((s) =>
      /\b(begin|start\s+transaction|commit|rollback|abort)\b/i.test(sqlParts(s).code),
    );
    return reportOutcome(out, outcome, {
      plan,
      where: t.where,
      labels,
      timeoutMs: cfg.timeout,
      ownTransactions,
      rerun,
    });
  },
);
