// psql's report of a failed statement (VERBOSITY verbose) read into its parts: SQLSTATE, message,
// where in the SQL (psql's "LINE n:" and caret), and the server's DETAIL and HINT.

export interface SqlError {
  sqlstate: string;
  message: string;
  /** For a script (-f, stdin): the line of the file on which the failing statement ended. */
  scriptLine?: number;
  /** Line and column within the failing statement, when the server gave a position. */
  line?: number;
  column?: number;
  detail?: string;
  hint?: string;
}

const REPORT = /^(?:psql:.*?:(\d+): )?(?:ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}): (.*)$/;

export function parseSqlError(stderr: string): SqlError | null {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => REPORT.test(l));
  if (at < 0) return null;
  const [, scriptLine, sqlstate, message] = REPORT.exec(lines[at]!)!;
  const error: SqlError = { sqlstate: sqlstate!, message: message!.trim() };
  if (scriptLine) error.scriptLine = Number(scriptLine);
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (REPORT.test(l)) break;
    const position = /^LINE (\d+): (.*)$/.exec(l);
    if (position) {
      error.line = Number(position[1]);
      // psql cuts a long line and starts it with "..."; the caret's column is then not the line's.
      const caret = lines[i + 1]?.indexOf('^') ?? -1;
      if (caret >= 0 && !position[2]!.startsWith('...')) error.column = caret - `LINE ${position[1]}: `.length + 1;
      continue;
    }
    const part = /^(DETAIL|HINT):\s+(.*)$/.exec(l);
    if (part?.[1] === 'DETAIL') error.detail = part[2];
    if (part?.[1] === 'HINT') error.hint = part[2];
  }
  return error;
}

/** "42P01 relation "x" does not exist (line 2, column 9)": one line for the error message. */
export function describeSqlError(e: SqlError): string {
  const where = [
    e.scriptLine !== undefined ? `file line ${e.scriptLine}` : '',
    e.line !== undefined ? `statement line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}` : '',
  ].filter(Boolean);
  const extra = [e.detail ? `detail: ${e.detail}` : '', e.hint ? `hint: ${e.hint}` : ''].filter(Boolean);
  return `SQLSTATE ${e.sqlstate}: ${e.message}${where.length ? ` (${where.join('; ')})` : ''}${
    extra.length ? `; ${extra.join('; ')}` : ''
  }`;
}
