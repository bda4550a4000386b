// A running `kubectl port-forward` to a release, recorded so a second call, db:url --local and --stop
// find it: pid, port and target in .pgk8s/port-forward/<context>.<namespace>.<release>.json.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ForwardRecord {
  pid: number;
  port: number;
  namespace: string;
  release: string;
  context: string;
  startedAt: string;
  /** kubectl's own output, for when it ends by itself. */
  log: string;
}

export const FORWARD_DIR = join('.pgk8s', 'port-forward');

export function recordPath(o: { namespace: string; release: string; context?: string }): string {
  return join(FORWARD_DIR, `${o.context ?? 'current'}.${o.namespace}.${o.release}.json`);
}

export function readForwardRecord(file: string): ForwardRecord | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ForwardRecord;
  } catch {
    return null; // none, or a torn write of one: either way not a forwarder we can use
  }
}

export function writeForwardRecord(file: string, r: ForwardRecord): void {
  mkdirSync(FORWARD_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function removeForwardRecord(file: string): void {
  rmSync(file, { force: true });
}

/** Alive and still a kubectl port-forward (a reused pid is not ours); without /proc, alive is enough. */
export function forwarderAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('port-forward');
  } catch {
    return true;
  }
}

/** The live forwarder's port for this release, or null (a dead one's record is removed). */
export function liveForwardPort(o: { namespace: string; release: string; context?: string }): number | null {
  const file = recordPath(o);
  const r = readForwardRecord(file);
  if (!r) return null;
  if (forwarderAlive(r.pid)) return r.port;
  removeForwardRecord(file);
  return null;
}
