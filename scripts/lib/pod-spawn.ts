// kubectl exec as a raw child process, for streams too big to buffer and sessions held open.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { execArgs } from './kubectl.ts';
import { traceCommand } from './process-runner.ts';
import { assertNoSecretsInArgv } from './redact.ts';

export interface ExecTarget {
  bin: string;
  /** Global flags such as --context, from kubectlBaseArgs. */
  baseArgs: string[];
  namespace: string;
  pod: string;
}

/** The caller owns the pipes. */
export function spawnInPod(t: ExecTarget, command: string[], stdin: boolean): ChildProcess {
  const argv = [...t.baseArgs, ...execArgs({ namespace: t.namespace, pod: t.pod, container: 'postgresql', stdin, command })];
  assertNoSecretsInArgv(argv, 'kubectl');
  traceCommand(t.bin, argv);
  return spawn(t.bin, argv, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
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
  return stderr.trim().split('\n').find((l) => l.trim() && !l.startsWith('command terminated')) ?? '(no error output)';
}
