// psql at a terminal: `kubectl exec -it` into the pod (or psql on this machine for the local target),
// the terminal handed straight through, with the same read-only session options as every other run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { assertNoSecretsInArgv } from '../cli/argv-guard.ts';
import { traceCommand } from '../cli/process-runner.ts';
import { execArgs } from '../cluster/kubectl.ts';
import type { ExecTarget } from '../target/spawn.ts';
import { interactiveCommand, type PsqlPlan } from './psql-command.ts';

/** psql's own exit code once the user quits it. */
export async function runInteractive(t: ExecTarget, plan: Pick<PsqlPlan, 'write' | 'statementTimeoutMs'>) {
  const command = interactiveCommand(plan);
  const [bin, argv, env] =
    t.kind === 'local'
      ? [command[0]!, command.slice(1), t.env]
      : [
          t.bin,
          [
            ...t.baseArgs,
            ...execArgs({
              namespace: t.namespace,
              pod: t.pod,
              container: 'postgresql',
              stdin: true,
              tty: true,
              command,
            }),
          ],
          process.env,
        ];
  assertNoSecretsInArgv(argv, bin);
  traceCommand(bin, argv);
  // The terminal's Ctrl-C belongs to psql (it cancels the running query), not to this process,
  // whose own handler would end the session: it is set aside until psql exits.
  const handlers = process.listeners('SIGINT');
  process.removeAllListeners('SIGINT');
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  try {
    const child = spawn(bin, argv, { stdio: 'inherit', env });
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    return code ?? (signal ? 130 : 1);
  } finally {
    process.off('SIGINT', ignore);
    for (const h of handlers) process.on('SIGINT', h);
  }
}
