// Starts `kubectl port-forward svc/<fullname> PORT:5432` and waits until it listens: its own process
// group (a Ctrl-C reaches us, and we end it), output to a log file that outlives us in the background.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { toolError } from '../cli/errors.ts';
import { traceCommand } from '../cli/process-runner.ts';
import { chartNames } from '../cluster/chart-names.ts';
import { kubectlBaseArgs } from '../cluster/kubectl.ts';
import { ensureForwardDir, writeForwardRecord } from '../cluster/port-forward-record.ts';
import { firstFreePort } from '../cli/tcp-port.ts';

export const PF_CMD = 'npm run -s db:port-forward --';
import { onInterrupt } from '../cli/run-script.ts';

export interface Started {
  child: ChildProcess;
  log: string;
  /** Ctrl-C ends kubectl from the moment it is spawned; a background forward calls this to keep it. */
  keep: () => void;
}

export function portForwardArgs(o: { namespace: string; release: string; port: number }): string[] {
  return ['port-forward', '-n', o.namespace, `svc/${chartNames(o.release).service}`, `${o.port}:5432`];
}

const readLog = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** kubectl's error line in its log ("error: lost connection to pod"), or its last line. */
export function forwarderError(file: string): string {
  const lines = readLog(file).trim().split('\n');
  return lines.find((l) => /^(error|Error|Unable)/.test(l)) ?? (lines.at(-1) || '(no output yet)');
}

/** Resolves once kubectl says "Forwarding from"; throws with kubectl's own error if it ends first. */
export async function startForwarder(o: {
  kubectl: string;
  context?: string;
  namespace: string;
  release: string;
  port: number;
  log: string;
  timeoutMs: number;
}): Promise<Started> {
  ensureForwardDir();
  const fd = openSync(o.log, 'w', 0o600);
  const argv = [...kubectlBaseArgs({ context: o.context }), ...portForwardArgs(o)];
  traceCommand(o.kubectl, argv);
  const child = spawn(o.kubectl, argv, { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const keep = onInterrupt(() => {
    child.kill('SIGINT');
    rmSync(o.log, { force: true });
  });
  let exited: number | null = null;
  child.on('exit', (code, signal) => (exited = code ?? (signal ? 128 : 1)));
  child.on('error', () => (exited = 127));
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const text = readLog(o.log);
    if (text.includes('Forwarding from')) return { child, log: o.log, keep };
    if (exited !== null || Date.now() >= deadline) {
      keep();
      if (exited === null) child.kill('SIGKILL');
      const line = forwarderError(o.log);
      const what = exited === null ? `did not start listening within ${Math.round(o.timeoutMs / 1000)}s` : 'failed';
      throw toolError(
        `kubectl port-forward to svc/${chartNames(o.release).service} in ${o.namespace} ${what}: ${line}`,
        'npm run -s db:verify',
      );
    }
    await sleep(50);
  }
}

/**
 * A free port from `port` up (said when it is not `port`), kubectl listening on it, and its record
 * written; a record that cannot be written takes kubectl down with it (no forwarder nobody knows of).
 */
export async function startRecorded(
  o: {
    kubectl: string;
    context?: string | undefined;
    namespace: string;
    release: string;
    port: number;
    timeoutMs: number;
    file: string;
  },
  out: { line(text: string): void },
): Promise<{ started: Started; port: number }> {
  const port = await firstFreePort(o.port, 100);
  if (port === null)
    throw toolError(`no free port from ${o.port} to ${o.port + 99} on 127.0.0.1`, `${PF_CMD} --port 15432`);
  if (port !== o.port) out.line(`port ${o.port} is in use on 127.0.0.1; using ${port}`);
  // Its own log per run: two runs at once must each see only their own kubectl's words.
  const log = o.file.replace(/\.json$/, `.${process.pid}.log`);
  const started = await startForwarder({ ...o, port, log });
  const pid = started.child.pid!;
  try {
    writeForwardRecord(o.file, { ...o, context: o.context ?? '', pid, port, log, startedAt: new Date().toISOString() });
  } catch (err) {
    started.child.kill('SIGKILL');
    throw err;
  }
  return { started, port };
}
