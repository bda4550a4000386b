// kubectl exec as a raw child process, for streams too big to buffer or sessions held open.
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

export function spawnInPod(t: ExecTarget, command: string[], stdin: boolean): ChildProcess {
  const argv = [...t.baseArgs, ...execArgs({ namespace: t.namespace, pod: t.pod, container: 'postgresql', stdin, command })];
  assertNoSecretsInArgv(argv, 'kubectl');
  traceCommand(t.bin, argv);
  return spawn(t.bin, argv, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
}
