// One psql session inside the pod, held open over `kubectl exec -i` and driven request by request:
// each query is followed by a marker on stdout and on stderr, so its rows and its errors are known
// apart. psql flushes its output whenever it waits for input, so answers arrive as they are made.
// Requests are written as soon as the ones before them are, without waiting for their answers
// (psql reads them in turn): a caller may queue several and pay one round trip for all of them.
import { once } from 'node:events';
import { toolError } from '../cli/errors.ts';
import { ADMIN_LOGIN, ADMIN_PASSWORD, APP_LOGIN, APP_PASSWORD, MAINTENANCE_LOGIN } from './pod-sql.ts';
import { execErrorLine, spawnOnTarget, type ExecTarget } from './spawn.ts';
import { appNameExport } from './session-tag.ts';

export interface QueryResult {
  /** Output lines, unaligned, fields separated by `|`. */
  rows: string[];
  /** psql's error text for this request ('' when it succeeded, notices aside). */
  error: string;
}

export interface PodSession {
  /** `sql` as psql reads it; a missing final semicolon is added. */
  query(sql: string): Promise<QueryResult>;
  /**
   * `command` (COPY … FROM STDIN) with its data (runs of whole lines) made while it is sent: the
   * database works on the first rows while the rest are made. If `data` throws, the COPY is still
   * ended and answered, then the error is rethrown for the caller to roll back.
   */
  copyIn(command: string, data: Iterable<string>): Promise<QueryResult>;
  close(): Promise<void>;
}

/** A session and the first answer, which proves it is up (pod there, password accepted). */
export interface StartedSession {
  session: PodSession;
  /** Rejects (and the session is closed) when the session did not come up. */
  ready: Promise<void>;
}

/**
 * Who the session logs in as: the app user; the superuser in the app's database (for what the app user
 * cannot see); or the superuser in the `postgres` database (for the app's database as a whole).
 */
export type SessionLogin = 'app' | 'admin' | 'maintenance';

const LOGINS: Record<SessionLogin, [password: string, flags: string]> = {
  app: [APP_PASSWORD, APP_LOGIN],
  admin: [ADMIN_PASSWORD, ADMIN_LOGIN],
  maintenance: [ADMIN_PASSWORD, MAINTENANCE_LOGIN],
};

export async function openPodSession(t: ExecTarget, job: string, login: SessionLogin = 'app'): Promise<PodSession> {
  const { session, ready } = startPodSession(t, job, login);
  await ready;
  return session;
}

/** Starts the session without waiting for it: requests queued now go out as soon as psql reads. */
export function startPodSession(t: ExecTarget, job: string, login: SessionLogin = 'app'): StartedSession {
  const [password, user] = LOGINS[login];
  const command = [
    'sh',
    '-c',
    `${password} PGCONNECT_TIMEOUT=10; ${appNameExport(job)} exec psql -X -w -At -q -v ON_ERROR_STOP=0 ${user}`,
  ];
  const child = spawnOnTarget(t, command, true);
  let stdout = '';
  let stderr = '';
  let waiter: (() => void) | null = null;
  const closed = once(child, 'close');
  let gone = false;
  void closed.then(() => {
    gone = true;
    waiter?.();
  });
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
    waiter?.();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    waiter?.();
  });
  child.stdin?.on('error', () => {});
  let seq = 0;
  // Writes go out in call order; answers are read back in the same order, one at a time, since
  // each read consumes the output up to its own marker.
  let writes: Promise<unknown> = Promise.resolve();
  let reads: Promise<unknown> = Promise.resolve();
  const request = <T>(send: () => string | Promise<string>, read: (marker: string) => Promise<T>): Promise<T> => {
    const sent = writes.then(send);
    writes = sent.catch(() => {});
    const result = reads.then(() => sent).then(read);
    reads = result.catch(() => {});
    return result;
  };

  const answer = async (marker: string): Promise<QueryResult> => {
    for (;;) {
      const out = stdout.indexOf(`${marker}\n`);
      const err = stderr.indexOf(`${marker}\n`);
      if (out >= 0 && err >= 0) {
        const rows = stdout
          .slice(0, out)
          .split('\n')
          .filter((l) => l !== '');
        const said = stderr.slice(0, err).trim();
        // Notices and warnings are not failures; a session with client_min_messages=warning sees few.
        const error = /^(ERROR|FATAL|PANIC):|^psql:|\\[a-z!]+: /m.test(said) ? said : '';
        stdout = stdout.slice(out + marker.length + 1);
        stderr = stderr.slice(err + marker.length + 1);
        return { rows, error };
      }
      if (gone) throw ended();
      await new Promise<void>((resolve) => (waiter = resolve));
      waiter = null;
    }
  };
  const ended = (): Error =>
    toolError(
      `the database session in ${t.where} ended (exit ${child.exitCode}): ${execErrorLine(stderr)}`,
      'npm run -s db:verify',
    );
  const endRequest = (): string => {
    const marker = `-- end of request ${++seq} --`;
    child.stdin?.write(`\n\\echo '${marker}'\n\\warn '${marker}'\n`);
    return marker;
  };

  const send = (sql: string): string => {
    // psql sends a query when it sees its semicolon; a marker before that would overtake it.
    child.stdin?.write(sql.trimEnd().endsWith(';') ? sql.trimEnd() : `${sql.trimEnd()};`);
    return endRequest();
  };

  const copy = (command: string, data: Iterable<string>): Promise<QueryResult> => {
    let failure: unknown = null;
    const sendCopy = async (): Promise<string> => {
      const stdin = child.stdin!;
      stdin.write(`${command}\n`);
      try {
        for (const text of data) {
          // The next run is made while the pipe takes this one.
          if (!stdin.write(text)) await Promise.race([once(stdin, 'drain'), closed]);
          if (gone) break;
        }
      } catch (err) {
        failure = err;
      }
      if (gone) throw ended();
      stdin.write('\\.');
      return endRequest();
    };
    return request(sendCopy, async (marker) => {
      const result = await answer(marker);
      if (failure) throw failure;
      return result;
    });
  };

  const session: PodSession = {
    query(sql) {
      return request(() => send(sql), answer);
    },
    copyIn(command, data) {
      return copy(command, data);
    },
    async close() {
      await writes;
      if (gone) return;
      child.stdin?.end('\\q\n');
      await closed;
    },
  };
  // The first answer proves the session is up (pod there, password accepted).
  const ready = (async () => {
    const hello = await session.query('set client_min_messages = warning; select 1');
    if (hello.error || hello.rows[0] !== '1') {
      await session.close();
      throw toolError(
        `could not open a database session in ${t.where}: ${execErrorLine(hello.error)}`,
        'npm run -s db:verify',
      );
    }
  })();
  ready.catch(() => {}); // the caller awaits it, maybe after queueing its first requests
  return { session, ready };
}
