// pg_dump -Fc from the pod straight to a local file: never held in memory, hashed on the way, and
// read in full by pg_restore (in the pod, so its version matches) while it arrives. kubectl exec
// can exit 0 on a cut stream; a full read cannot pass a truncated archive.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { spawnOnTarget, type ExecTarget } from '../target/spawn.ts';
import { APP_LOGIN, APP_PASSWORD } from '../target/pod-sql.ts';
import { appNameExport } from '../target/session-tag.ts';

/** What this run's pg_dump is called in pg_stat_activity, to end it there when the file fails. */
export const DUMP_JOB = 'dump';

export const dumpCommand = (): string[] => [
  'sh',
  '-c',
  `${APP_PASSWORD}; ${appNameExport(DUMP_JOB)} exec pg_dump -Fc ${APP_LOGIN}`,
];
/**
 * No database needed: pg_restore reads the whole archive from stdin and writes the SQL nowhere.
 * The marker matters: this exec's stream can be cut too, and then kubectl exits 0 regardless.
 */
export const FULL_READ_MARKER = 'archive-read-to-end';
export const FULL_READ_COMMAND = ['sh', '-c', `pg_restore -f /dev/null && echo ${FULL_READ_MARKER}`];

function collect(stream: NodeJS.ReadableStream | null | undefined): () => string {
  let text = '';
  stream?.on('data', (c: Buffer) => {
    if (text.length < 64_000) text += c.toString();
  });
  return () => text;
}

export interface DumpResult {
  bytes: number;
  sha256: string;
  dump: { code: number; stderr: string };
  fullRead: { code: number; stderr: string };
  /** The local file could not be written (ENOSPC, EROFS, EACCES…): the dump was stopped. */
  fileError: NodeJS.ErrnoException | null;
}

export async function streamDumpToFile(
  t: ExecTarget,
  file: string,
  onFileError: () => Promise<void>,
): Promise<DumpResult> {
  const dump = spawnOnTarget(t, dumpCommand(), false);
  const check = spawnOnTarget(t, FULL_READ_COMMAND, true);
  const out = createWriteStream(file, { mode: 0o600 });
  // Every ending is listened for before any data flows: an event that fired unheard would hang us.
  const dumpClosed = once(dump, 'close') as Promise<[number | null]>;
  const checkClosed = once(check, 'close') as Promise<[number | null]>;
  let fileError: NodeJS.ErrnoException | null = null;
  // A file that cannot be written (open or write) stops the dump; the caller ends it in the pod too.
  const fileFinished = new Promise<void>((resolve) => {
    out.on('finish', () => resolve());
    out.on('error', (err: NodeJS.ErrnoException) => {
      fileError ??= err;
      resolve();
      dump.stdout?.resume();
      void onFileError().finally(() => {
        for (const child of [dump, check])
          try {
            if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
          } catch {
            // gone already
          }
      });
    });
  });
  const dumpEnded = once(dump.stdout!, 'end');
  let checkGone = false;
  void checkClosed.then(() => (checkGone = true));
  const hash = createHash('sha256');
  const dumpErr = collect(dump.stderr);
  const checkErr = collect(check.stderr);
  const checkOut = collect(check.stdout);
  check.stdin?.on('error', () => {}); // the check may stop reading early; its exit code says why
  let bytes = 0;
  // Backpressure: the slower of the file and the check sets the pace, memory stays flat.
  dump.stdout?.on('data', (chunk: Buffer) => {
    if (fileError) return;
    bytes += chunk.length;
    hash.update(chunk);
    const fileOk = out.write(chunk);
    const checkOk = checkGone || !check.stdin?.writable ? true : check.stdin.write(chunk);
    if (!fileOk || !checkOk) {
      dump.stdout?.pause();
      const waits: Array<Promise<unknown>> = [];
      if (!fileOk) waits.push(Promise.race([once(out, 'drain'), fileFinished]));
      // A check that died stops reading for good: its exit code tells, the dump must not hang on it.
      if (!checkOk) waits.push(Promise.race([once(check.stdin!, 'drain'), checkClosed]));
      void Promise.all(waits).then(() => dump.stdout?.resume());
    }
  });
  await Promise.race([dumpEnded, fileFinished.then(() => fileError && dumpClosed)]);
  if (!fileError) out.end();
  check.stdin?.end();
  const [[dumpCode], [checkCode]] = await Promise.all([dumpClosed, checkClosed, fileFinished]);
  return {
    bytes,
    sha256: hash.digest('hex'),
    dump: { code: dumpCode ?? 1, stderr: dumpErr() },
    fullRead: {
      code: checkCode === 0 && checkOut().includes(FULL_READ_MARKER) ? 0 : checkCode || 1,
      stderr: checkErr(),
    },
    fileError,
  };
}
