// CliError carries the exit code and the one fix; formatError turns any thrown value into one line.
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { redact } from './redact.ts';

export class CliError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly fix: string | undefined;

  constructor(message: string, opts: { exitCode: ExitCodeValue; fix?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = opts.exitCode;
    this.fix = opts.fix;
  }
}

/** Bad flag, value or file: exit 2, nothing was changed. */
export function usageError(what: string, fix?: string, cause?: unknown): CliError {
  return new CliError(what, { exitCode: ExitCode.usage, fix, cause });
}

/** The environment or a tool failed (cluster, kubectl, helm, timeout): exit 3. */
export function toolError(what: string, fix?: string, cause?: unknown): CliError {
  return new CliError(what, { exitCode: ExitCode.error, fix, cause });
}

/** The script ran but the result is not OK (unhealthy, migration failed): exit 1. */
export function notOkError(what: string, fix?: string, cause?: unknown): CliError {
  return new CliError(what, { exitCode: ExitCode.notOk, fix, cause });
}

/** verify found nothing deployed: exit 4. */
export function notDeployedError(what: string, fix?: string): CliError {
  return new CliError(what, { exitCode: ExitCode.notDeployed, fix });
}

/** Anything that is not a CliError is a bug or an unexpected failure: treat it as an error (3). */
export function exitCodeOf(err: unknown): ExitCodeValue {
  return err instanceof CliError ? err.exitCode : ExitCode.error;
}

// Agents read the first line only; tool output pasted into a message must not add lines.
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** `error: <what> (fix: <fix>)`, redacted; with debug, the stack (and cause's) follows on later lines. */
export function formatError(err: unknown, opts: { debug?: boolean } = {}): string {
  const fix = err instanceof CliError && err.fix ? ` (fix: ${oneLine(err.fix)})` : '';
  let text = `error: ${oneLine(messageOf(err))}${fix}`;
  if (opts.debug && err instanceof Error) {
    if (err.stack) text += `\n${err.stack}`;
    if (err.cause !== undefined) {
      text += `\ncaused by: ${err.cause instanceof Error && err.cause.stack ? err.cause.stack : messageOf(err.cause)}`;
    }
  }
  return redact(text);
}
