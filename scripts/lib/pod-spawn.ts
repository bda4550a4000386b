// kubectl exec as a raw child process, for streams too big to buffer and sessions held open.
import { spawn, type ChildProcess } from 'node:child_process';
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

/** The first line of an exec's stderr that says something: kubectl's own exit-code line does not. */
export function execErrorLine(stderr: string): string {
  return stderr.trim().split('\n').find((l) => l.trim() && !l.startsWith('command terminated')) ?? '(no error output)';
}
