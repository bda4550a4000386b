// `kubectl exec` against a simulated pod: streams stdin/stdout/stderr byte for byte, passes the exit
// code through, and can cut the stream after N bytes the way a dropped connection does.
import { spawn } from 'node:child_process';
import { commandExistsInPod, spawnInPod } from './pod-runtime.mjs';

export function runExec(dir, pod, command, { stdin, tty, cutAfter }) {
  if (!commandExistsInPod(dir, pod, command[0])) {
    process.stderr.write(
      `error: Internal error occurred: Internal error occurred: error executing command in container: ` +
        `failed to exec in container: failed to start exec "${'a'.repeat(64)}": OCI runtime exec failed: ` +
        `exec failed: unable to start container process: exec: "${command[0]}": executable file not found in ` +
        `$PATH: unknown\n`,
    );
    return Promise.resolve(1);
  }
  if (tty) {
    // kubectl exec -t from a terminal: the runtime gives the process a pty, so it sees a terminal on
    // its stdin and stdout. Our own terminal, handed down, is seen the same way.
    const child = spawnInPod(dir, pod, command, [stdin ? 'inherit' : 'ignore', 'inherit', 'inherit']);
    return new Promise((resolve) => child.on('close', (code, signal) => resolve(terminated(code, signal))));
  }
  if (!cutAfter) return runAttached(dir, pod, command, stdin);
  return runWithCut(dir, pod, command, stdin, cutAfter);
}

// What crossed the connection for this call (stdin in; stdout and stderr out), for calls.jsonl: the
// API server carries every byte of an exec, so how many go each way is what a real cluster pays for.
export const execBytes = { in: 0, out: 0 };

function counted(stream, side) {
  stream.on('data', (chunk) => {
    execBytes[side] += chunk.length;
  });
  return stream;
}

// kubernetes#89031: killing kubectl does not stop the process it started in the container. The
// runtime keeps that process's output pipes open (containerd's fifos), so it sees EOF on stdin and
// runs on, blocking only once unread output fills a pipe, never SIGPIPE. A detached holder plays the
// runtime's part: it keeps a read end of both output pipes until the process ends.
function runAttached(dir, pod, command, stdin) {
  const child = spawnInPod(dir, pod, command, [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe']);
  const holder = spawn('sh', ['-c', 'while kill -0 "$1" 2>/dev/null; do sleep 0.2; done', 'sh', String(child.pid)], {
    stdio: [child.stdout, 'ignore', 'ignore', child.stderr],
    detached: true,
  });
  holder.unref();
  if (stdin) {
    child.stdin.on('error', () => {});
    counted(process.stdin, 'in').pipe(child.stdin);
  }
  counted(child.stdout, 'out').pipe(process.stdout);
  counted(child.stderr, 'out').pipe(process.stderr);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(terminated(code, signal))));
}

function terminated(code, signal) {
  const status = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1);
  if (status !== 0) process.stderr.write(`command terminated with exit code ${status}\n`);
  return status;
}

// kubernetes#73056: on a cut stream kubectl exits 0 with whatever arrived. The budget counts the
// bytes that crossed the connection in either direction.
function runWithCut(dir, pod, command, stdin, limit) {
  const child = spawnInPod(dir, pod, command, [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe']);
  let budget = limit;
  return new Promise((resolve) => {
    let done = false;
    const cut = () => {
      if (done) return;
      done = true;
      if (stdin) process.stdin.destroy();
      child.stdin?.end();
      child.stdout.destroy();
      // One connection carries every stream: stderr stops with it.
      child.stderr.destroy();
      // The in-pod process carries on until it notices (kubernetes#89031); the local side is gone.
      child.unref();
      resolve(0);
    };
    child.stderr.on('data', (chunk) => {
      if (done) return;
      execBytes.out += chunk.length;
      process.stderr.write(chunk);
    });
    child.stdout.on('data', (chunk) => {
      if (done) return;
      execBytes.out += Math.min(chunk.length, budget);
      if (chunk.length >= budget) {
        process.stdout.write(chunk.subarray(0, budget), cut);
        budget = 0;
        return;
      }
      budget -= chunk.length;
      if (!process.stdout.write(chunk)) {
        child.stdout.pause();
        process.stdout.once('drain', () => child.stdout.resume());
      }
    });
    if (stdin) {
      process.stdin.on('data', (chunk) => {
        if (done) return;
        execBytes.in += Math.min(chunk.length, budget);
        if (chunk.length >= budget) {
          child.stdin.write(chunk.subarray(0, budget));
          budget = 0;
          cut();
          return;
        }
        budget -= chunk.length;
        if (!child.stdin.write(chunk)) {
          process.stdin.pause();
          child.stdin.once('drain', () => process.stdin.resume());
        }
      });
      process.stdin.on('end', () => child.stdin.end());
      child.stdin.on('error', () => {});
    }
    child.on('close', (code, signal) => {
      if (!done) {
        done = true;
        resolve(terminated(code, signal));
      }
    });
  });
}
