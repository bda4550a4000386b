// A running `kubectl port-forward` to a release, recorded so a second call, db:url --local and --stop
// find it: pid, port and target in .pgk8s/port-forward/<context>.<namespace>.<release>.json.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, toolError } from '../cli/errors.ts';
import { chartNames } from './chart-names.ts';

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

/** Contexts may hold any character (EKS: arn:…:cluster/name): encoded into one file name. */
export function recordPath(o: { namespace: string; release: string; context?: string | undefined }): string {
  return join(FORWARD_DIR, `${encodeURIComponent(o.context || 'current')}.${o.namespace}.${o.release}.json`);
}

/** A record that does not name a single real process (pid > 1) and a port is no record: never signalled. */
export function readForwardRecord(file: string): ForwardRecord | null {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<ForwardRecord>;
    const valid = Number.isInteger(r.pid) && r.pid! > 1 && Number.isInteger(r.port) && r.port! > 0 && r.port! < 65536;
    return valid ? (r as ForwardRecord) : null;
  } catch {
    return null; // none, or a torn write of one: either way not a forwarder we can use
  }
}

/** Throws one line with the fix when the directory cannot be made or written. */
export function ensureForwardDir(): void {
  try {
    mkdirSync(FORWARD_DIR, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw cannotWrite(err);
  }
}

const cannotWrite = (err: unknown) =>
  toolError(
    `cannot write the port-forward record in ${FORWARD_DIR}: ${(err as Error).message}`,
    `make ${FORWARD_DIR} writable (or remove what is in the way), then run npm run -s db:port-forward again`,
  );

export function writeForwardRecord(file: string, r: ForwardRecord): void {
  try {
    ensureForwardDir();
    writeFileSync(`${file}.tmp`, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  } catch (err) {
    throw err instanceof CliError ? err : cannotWrite(err);
  }
}

/**
 * One start at a time per release: an exclusive lock file with our pid. A lock whose process is gone is
 * taken over; a live one is "another db:port-forward is starting".
 */
export function lockStart(file: string): () => void {
  ensureForwardDir();
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(err);
      const holder = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(holder) && holder > 1 && processExists(holder))
        throw toolError(
          `another db:port-forward for this release is starting (pid ${holder})`,
          'run it again in a moment: npm run -s db:port-forward',
        );
      rmSync(lock, { force: true });
    }
  }
  throw cannotWrite(new Error(`${lock} keeps coming back`));
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function removeForwardRecord(file: string): void {
  rmSync(file, { force: true });
}

/**
 * Alive and still a kubectl port-forward, to `service` when given (a reused pid, or someone else's
 * forward, is not ours); without /proc, alive is enough.
 */
export function forwarderAlive(pid: number, service?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || !processExists(pid)) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('port-forward') && (!service || argv.includes(`svc/${service}`));
  } catch {
    return true;
  }
}

/** The live forwarder's port for this release, or null. Reads only (db:url changes nothing). */
export function liveForwardPort(o: { namespace: string; release: string; context?: string }): number | null {
  const r = readForwardRecord(recordPath(o));
  return r && forwarderAlive(r.pid, chartNames(o.release).service) ? r.port : null;
}
