// Where the in-pod commands run: in the database pod through `kubectl exec`, or on this machine
// for the local target, which reproduces the pod's environment (POSTGRES_USER, the password files,
// PGHOST…) so every command string is the same for both. Raw child processes, for streams too big
// to buffer and sessions held open.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { execArgs } from '../cluster/kubectl.ts';
import { traceCommand } from '../cli/process-runner.ts';
import { assertNoSecretsInArgv } from '../cli/argv-guard.ts';

export interface PodTarget {
  kind: 'pod';
  bin: string;
  /** Global flags such as --context, from kubectlBaseArgs. */
  baseArgs: string[];
  namespace: string;
  pod: string;
  /** For messages: "postgres/postgresql-0". */
  where: string;
}

export interface LocalTarget {
  kind: 'local';
  /** The whole environment of a command: the pod's variables, nothing inherited that libpq reads. */
  env: Record<string, string>;
  /** For messages: "the local server (.data)". */
  where: string;
  /** The local target's directory (--local-dir). */
  dir: string;
}

export type ExecTarget = PodTarget | LocalTarget;

/**
 * The caller owns the pipes. Children get their own process group: a Ctrl-C in the terminal
 * reaches this process only, whose cleanups then stop the work in order (a psql killed by the
 * same signal could no longer cancel anything).
 */
export function spawnOnTarget(t: ExecTarget, command: string[], stdin: boolean): ChildProcess {
  const stdio: ['pipe' | 'ignore', 'pipe', 'pipe'] = [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  if (t.kind === 'local') {
    traceCommand(command[0]!, command.slice(1));
    return spawn(command[0]!, command.slice(1), { env: t.env, stdio, detached: true });
  }
  const argv = [
    ...t.baseArgs,
    ...execArgs({ namespace: t.namespace, pod: t.pod, container: 'postgresql', stdin, command }),
  ];
  assertNoSecretsInArgv(argv, 'kubectl');
  traceCommand(t.bin, argv);
  return spawn(t.bin, argv, { stdio, detached: true });
}

export interface ExecOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The exit code and text of a spawned exec, each stream kept up to `limit` characters. Attach it
 * right after spawning, before any data can flow; a child that stops reading its stdin early
 * (EPIPE) is judged by its exit code, not by the write error.
 */
export function collectOutput(child: ChildProcess, limit = 1_000_000): Promise<ExecOutput> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    if (stdout.length < limit) stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    if (stderr.length < limit) stderr += c.toString();
  });
  child.stdin?.on('error', () => {});
  return (once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => ({
    exitCode: code ?? (signal ? 130 : 1),
    stdout,
    stderr,
  }));
}

/** The first line of an exec's stderr that says something: kubectl's own exit-code line does not. */
export function execErrorLine(stderr: string): string {
  return (
    stderr
      .trim()
      .split('\n')
      .find((l) => l.trim() && !l.startsWith('command terminated')) ?? '(no error output)'
  );
}
