// Where text goes: the result on stdout (one JSON object with --json), progress on stderr, all redacted.
import { Chalk, type ChalkInstance } from 'chalk';
import { CliError, exitCodeOf, formatError } from './errors.ts';
import { EXIT_CODE_TABLE } from './exit-codes.ts';
import { withCommandEnv } from './command-hints.ts';
import { redact } from './redact.ts';

/** The part of a stream we use; tests pass a fake with or without isTTY. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  on?(event: 'error', listener: (e: NodeJS.ErrnoException) => void): unknown;
}

export interface OutputOptions {
  json?: boolean;
  debug?: boolean;
  /** --show-secrets: the result on stdout is printed as is; stderr stays redacted. */
  showSecrets?: boolean;
  env?: NodeJS.ProcessEnv;
  stdout?: OutStream;
  stderr?: OutStream;
}

export interface Spinner {
  stop(finalText?: string): void;
}

export interface Output {
  readonly json: boolean;
  progress(msg: string): void;
  warn(msg: string): void;
  line(text: string): void;
  verdict(ok: boolean, text: string): void;
  /** The result object for --json: held until finish() so the summary and exit code join it. */
  result(obj: object): void;
  error(err: unknown): void;
  /** --json: prints the one object, whatever happened (success, not OK, or after error()). */
  finish(exitCode: number): void;
  spinner(label: string): Spinner;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;

/** Colour only for a human on a terminal: chalk ignores NO_COLOR, so the level is decided here. */
export function colorAllowed(stream: OutStream, env: NodeJS.ProcessEnv, json: boolean): boolean {
  return !json && stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function createOutput(opts: OutputOptions = {}): Output {
  const json = opts.json ?? false;
  const env = opts.env ?? process.env;
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const outColor: ChalkInstance = new Chalk({ level: colorAllowed(stdout, env, json) ? 1 : 0 });
  const errColorOn = colorAllowed(stderr, env, json);
  const errColor: ChalkInstance = new Chalk({ level: errColorOn ? 1 : 0 });
  let resultGiven = false;
  let pending: Record<string, unknown> = {};
  let written = false;
  let summary: string | null = null;
  let lastLine: string | null = null;

  // A reader that went away (`| head -1`) ends our stdout, not the work: later lines are dropped quietly.
  let stdoutClosed = false;
  stdout.on?.('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') stdoutClosed = true;
    else throw e;
  });
  const out = (text: string): void => {
    if (!stdoutClosed) stdout.write(`${withCommandEnv(opts.showSecrets ? text : redact(text))}\n`);
  };
  const err = (text: string): void => void stderr.write(`${withCommandEnv(redact(text))}\n`);

  return {
    json,
    progress: (msg) => err(errColor.dim(msg)),
    warn: (msg) => err(errColor.yellow(`warning: ${msg}`)),
    line: (text) => {
      lastLine = text;
      if (!json) out(text);
    },
    verdict: (ok, text) => {
      summary = text;
      if (json) return;
      if (outColor.level > 0) out(ok ? outColor.green(`✓ ${text}`) : outColor.red(`✗ ${text}`));
      else out(ok ? `ok: ${text}` : `FAIL: ${text}`);
    },
    result: (obj) => {
      // Two objects on stdout would break every agent parsing it: fail loudly in tests instead.
      if (resultGiven) throw new Error('output.result() called twice');
      resultGiven = true;
      pending = obj as Record<string, unknown>;
    },
    error: (e) => {
      err(errColor.red(formatError(e, { debug: opts.debug })));
      // With --json a failure is still one object on stdout, so an agent parses every outcome alike.
      if (json && !written) {
        written = true;
        const failure = errorObject(e);
        out(
          JSON.stringify(
            envelope({ ...failure, summary: failure.error.message, ...pending, ok: false, exitCode: failure.exitCode }),
          ),
        );
      }
    },
    finish: (exitCode) => {
      if (!json || written) return;
      written = true;
      out(JSON.stringify(envelope({ ok: exitCode === 0, exitCode, summary: summary ?? lastLine, ...pending })));
    },
    spinner: (label) => (errColorOn ? ttySpinner(stderr, errColor, label) : lineSpinner(err, errColor, label)),
  };
}

/**
 * Every script's JSON starts with the same keys: ok, status, exitCode, summary (the verdict line),
 * error ({code, message, fix} or null); the script's own fields follow.
 */
export function envelope(o: Record<string, unknown>): Record<string, unknown> {
  const { ok, status, exitCode, summary, error, ...rest } = o;
  return {
    ok: ok === true,
    status: status ?? (ok === true ? 'ok' : 'failed'),
    exitCode: exitCode ?? (ok === true ? 0 : 1),
    summary: summary ?? null,
    error: error ?? null,
    ...rest,
  };
}

function errorObject(e: unknown): {
  ok: false;
  exitCode: number;
  error: { code: string; message: string; fix?: string };
} {
  const exitCode = exitCodeOf(e);
  const name = EXIT_CODE_TABLE.find((row) => row.code === exitCode)?.name ?? 'error';
  const message = formatError(e)
    .replace(/^error: /, '')
    .replace(/ \(fix: .*\)$/, '');
  const fix = e instanceof CliError ? e.fix : undefined;
  return { ok: false, exitCode, error: { code: name, message, ...(fix ? { fix: redact(fix) } : {}) } };
}

// Not a terminal: an agent reads stderr, so one plain line instead of \r frames.
function lineSpinner(err: (t: string) => void, color: ChalkInstance, label: string): Spinner {
  err(color.dim(label));
  let stopped = false;
  return {
    stop(finalText) {
      if (!stopped && finalText) err(color.dim(finalText));
      stopped = true;
    },
  };
}

function ttySpinner(stream: OutStream, color: ChalkInstance, label: string): Spinner {
  let frame = 0;
  const draw = (): void =>
    void stream.write(`\r${color.cyan(FRAMES[frame++ % FRAMES.length] ?? '')} ${redact(label)}\x1b[K`);
  draw();
  // unref: a forgotten spinner must never keep the process alive.
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  let stopped = false;
  return {
    stop(finalText) {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write('\r\x1b[K');
      if (finalText) stream.write(`${redact(color.dim(finalText))}\n`);
    },
  };
}
