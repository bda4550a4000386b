// pg_dump -Fc from the pod straight to a local file, crossing the wire once. In the pod, pg_dump's output
// is teed into a full read by pg_restore (the pod's own, so its version matches), a sha256 and a byte
// count; when all have ended, the pod reports them on stderr in one marked line. Here the file is
// hashed and counted on the way: it is kept only if pg_dump and the full read both passed and the
// file is byte for byte what left the pod. kubectl exec can exit 0 on a cut stream; a cut stream can
// match neither the count nor the hash, and a cut before the report leaves no report at all.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { spawnOnTarget, type ExecTarget } from '../target/spawn.ts';
import { APP_LOGIN, APP_PASSWORD } from '../target/pod-sql.ts';
import { appNameExport } from '../target/session-tag.ts';

/** What this run's pg_dump is called in pg_stat_activity, to end it there when the file fails. */
export const DUMP_JOB = 'dump';

const REPORT = 'pgk8s-dump-report';

/**
 * sh -c script: fifos in a private temporary directory (the image's /tmp is a writable emptyDir) feed
 * pg_restore, sha256sum and wc while tee passes the dump on to stdout. The report line carries
 * pg_dump's exit code, the full read's, tee's, the sha256 and the byte count.
 */
export function dumpCommand(nonce: string): string[] {
  const script = [
    `${APP_PASSWORD}; ${appNameExport(DUMP_JOB)}`,
    'd=$(mktemp -d) || exit 1',
    'trap \'rm -rf "$d"\' EXIT',
    'mkfifo "$d/read" "$d/hash" "$d/count" || exit 1',
    'pg_restore -f /dev/null <"$d/read" 2>"$d/read.err" & r=$!',
    'sha256sum <"$d/hash" >"$d/sha" & h=$!',
    'wc -c <"$d/count" >"$d/bytes" & c=$!',
    `{ pg_dump -Fc ${APP_LOGIN}; echo $? >"$d/rc"; } | tee "$d/read" "$d/hash" "$d/count"`,
    't=$?',
    'wait $r; rr=$?',
    'wait $h $c',
    'cat "$d/read.err" >&2',
    `printf '\\n%s %s %s %s %s %s\\n' "$1" "$(cat "$d/rc")" "$rr" "$t" "$(cut -c1-64 "$d/sha")" ` +
      '"$(tr -d " " <"$d/bytes")" >&2',
  ].join('\n');
  return ['sh', '-c', script, 'sh', `${REPORT}-${nonce}`];
}

/** What the pod reported, or null when its report never arrived (the stream was cut before it). */
export interface PodReport {
  dumpCode: number;
  readCode: number;
  teeCode: number;
  sha256: string;
  bytes: number;
}

export function parseReport(stderr: string, nonce: string): { report: PodReport | null; stderr: string } {
  const mark = `${REPORT}-${nonce} `;
  const lines = stderr.split('\n');
  let at = -1;
  lines.forEach((l, i) => {
    if (l.startsWith(mark)) at = i;
  });
  const rest = lines.filter((l, i) => i !== at && l.trim()).join('\n');
  const m = at < 0 ? null : /^(\d+) (\d+) (\d+) ([0-9a-f]{64}) (\d+)$/.exec(lines[at]!.slice(mark.length));
  if (!m) return { report: null, stderr: rest };
  const [, dumpCode, readCode, teeCode, sha256, bytes] = m;
  return {
    report: {
      dumpCode: Number(dumpCode),
      readCode: Number(readCode),
      teeCode: Number(teeCode),
      sha256: sha256!,
      bytes: Number(bytes),
    },
    stderr: rest,
  };
}

export interface DumpResult {
  /** What arrived here. */
  bytes: number;
  sha256: string;
  report: PodReport | null;
  /** pg_dump's, pg_restore's and kubectl's own lines, without the report. */
  stderr: string;
  /** The local file could not be written (ENOSPC, EROFS, EACCES…): the dump was stopped. */
  fileError: NodeJS.ErrnoException | null;
}

export async function streamDumpToFile(
  t: ExecTarget,
  file: string,
  onFileError: () => Promise<void>,
): Promise<DumpResult> {
  const nonce = randomBytes(8).toString('hex');
  const dump = spawnOnTarget(t, dumpCommand(nonce), false);
  const out = createWriteStream(file, { mode: 0o600 });
  // Every ending is listened for before any data flows: an event that fired unheard would hang us.
  const dumpClosed = once(dump, 'close') as Promise<[number | null]>;
  let fileError: NodeJS.ErrnoException | null = null;
  // A file that cannot be written (open or write) stops the dump; the caller ends it in the pod too.
  const fileFinished = new Promise<void>((resolve) => {
    out.on('finish', () => resolve());
    out.on('error', (err: NodeJS.ErrnoException) => {
      fileError ??= err;
      resolve();
      dump.stdout?.resume();
      void onFileError().finally(() => {
        try {
          if (dump.exitCode === null && dump.pid) process.kill(-dump.pid, 'SIGTERM');
        } catch {
          // gone already
        }
      });
    });
  });
  const dumpEnded = once(dump.stdout!, 'end');
  const hash = createHash('sha256');
  let stderr = '';
  dump.stderr?.on('data', (c: Buffer) => {
    // The report is the last line: keep the tail, not the head, of a long stderr.
    stderr = (stderr + c.toString()).slice(-64_000);
  });
  let bytes = 0;
  // Backpressure: the file sets the pace, memory stays flat.
  dump.stdout?.on('data', (chunk: Buffer) => {
    if (fileError) return;
    bytes += chunk.length;
    hash.update(chunk);
    if (!out.write(chunk)) {
      dump.stdout?.pause();
      void Promise.race([once(out, 'drain'), fileFinished]).then(() => dump.stdout?.resume());
    }
  });
  await Promise.race([dumpEnded, fileFinished.then(() => fileError && dumpClosed)]);
  if (!fileError) out.end();
  await Promise.all([dumpClosed, fileFinished]);
  const parsed = parseReport(stderr, nonce);
  return {
    bytes,
    sha256: hash.digest('hex'),
    report: parsed.report,
    stderr: parsed.stderr,
    fileError,
  };
}
