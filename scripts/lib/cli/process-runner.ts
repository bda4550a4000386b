// Run one tool (kubectl, helm) without a shell: stdout and stderr kept apart, timeout, clear ENOENT.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { basename } from 'node:path';
import { formatGoDuration } from './duration.ts';
import { toolError } from './errors.ts';
import { assertNoSecretsInArgv } from './argv-guard.ts';
import { shWord } from './sh-quote.ts';

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  /** Added on top of process.env, never replacing it (PATH, HOME, KUBECONFIG must survive). */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Names for the "not found" message: "kubectl" and "KUBECTL". */
  toolName?: string;
  envVar?: string;
  /** Run as this user (needs root): PostgreSQL's server programs refuse to run as root. */
  user?: { uid: number; gid: number };
}

export interface ProcessResult {
  stdout: string;
  stderr: string;
  /** The exit code, or 128 + signal number when killed (the shell convention). */
  exitCode: number;
  timedOut: boolean;
  /** The limit that ended it, when timedOut. */
  timeoutMs?: number;
}

const KILL_GRACE_MS = 2000;

// --debug shows every tool call; argv holds no secret (checked below), and output is redacted anyway.
let trace: ((line: string) => void) | undefined;
export function traceCommands(fn: ((line: string) => void) | undefined): void {
  trace = fn;
}

/** The command as a shell would need it quoted, for --debug. */
export function traceCommand(bin: string, argv: readonly string[]): void {
  trace?.(`$ ${bin} ${argv.map(shWord).join(' ')}`);
}

export async function runProcess(bin: string, argv: readonly string[], opts: RunOptions = {}): Promise<ProcessResult> {
  const toolName = opts.toolName ?? basename(bin);
  assertNoSecretsInArgv(argv, toolName);
  traceCommand(bin, argv);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...argv], {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...opts.user,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;

    // SIGTERM first so kubectl/helm can clean up; SIGKILL if they ignore it.
    let terminated = false;
    const terminate = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      terminated = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timeoutTimer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            terminate();
          }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', terminate, { once: true });
    if (opts.signal?.aborted) terminate();

    const cleanup = (): void => {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', terminate);
    };

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A child that exits before reading its stdin raises EPIPE here; its exit code tells the story.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);

    child.on('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      const where = bin.includes('/') ? `at ${bin}` : 'on PATH';
      const fix = `install ${toolName} or set ${opts.envVar ?? 'its path'}=/path/to/${toolName}`;
      if (err.code === 'ENOENT') reject(toolError(`${toolName} not found ${where}`, fix, err));
      else if (err.code === 'EACCES') reject(toolError(`${toolName} ${where} is not executable`, fix, err));
      else reject(toolError(`could not start ${toolName}: ${err.message}`, fix, err));
    });
    // A grandchild may still hold the pipes open after we killed the tool; stop waiting for it.
    child.on('exit', () => {
      if (!terminated) return;
      child.stdout.destroy();
      child.stderr.destroy();
    });
    child.on('close', (code, signal) => {
      cleanup();
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0),
        timedOut,
        ...(timedOut ? { timeoutMs: opts.timeoutMs } : {}),
      });
    });
  });
}

/** Parse stdout only: a warning on stderr must not break the JSON. */
export function parseJsonStdout(result: ProcessResult, what: string): unknown {
  try {
    return JSON.parse(result.stdout);
  } catch (err) {
    const sample = result.stdout.trim() === '' ? 'no output' : `malformed JSON: ${(err as Error).message}`;
    throw toolError(
      `${what} printed ${sample}`,
      'rerun with --debug to see the raw output, and check the tool version',
      err,
    );
  }
}

/** "kubectl timed out after 5m0s" style text for callers turning timedOut into an error. */
export function describeTimeout(toolName: string, timeoutMs: number): string {
  return `${toolName} timed out after ${formatGoDuration(timeoutMs)}`;
}
