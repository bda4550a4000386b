// Ctrl-C kills kubectl, not the seed's psql in the pod (kubernetes#89031), which would sit in its open
// transaction holding row locks until the pod restarts. So the interrupt ends that session from a fresh
// one and waits until it is gone: the transaction rolls back. Once COMMIT is sent it is the pod's to
// finish: the interrupt then waits for its answer and says which way it went.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Output } from '../cli/output.ts';
import { onInterrupt } from '../cli/run-script.ts';
import { openPodSession, type QueryResult } from '../target/pod-session.ts';
import { sessionsOf } from '../target/session-tag.ts';
import type { ExecTarget } from '../target/spawn.ts';

export interface SeedInterrupt {
  /** The COMMIT was sent: an interrupt from now on waits for it. */
  committing(sent: Promise<QueryResult>): void;
  /** True once Ctrl-C came: the interrupt owns the outcome, the run must not report one. */
  readonly interrupted: boolean;
  forget(): void;
}

/** `job`: the job name of the session that holds the seed's transaction. */
export function stopSeedOnInterrupt(out: Output, t: ExecTarget, job: string): SeedInterrupt {
  let commit: Promise<QueryResult> | null = null;
  let interrupted = false;
  const forget = onInterrupt(async () => {
    interrupted = true;
    if (commit) {
      const r = await commit.catch(() => null);
      out.progress(
        r && !r.error
          ? `interrupted: the seed had already committed in ${t.where}`
          : 'interrupted: the seed transaction did not commit; nothing changed',
      );
      return;
    }
    const stopper = await openPodSession(t, 'seed-stop');
    try {
      const mine = sessionsOf(job);
      await stopper.query(`select pg_terminate_backend(pid) ${mine}`);
      const left = async (): Promise<boolean> => (await stopper.query(`select count(*) ${mine}`)).rows[0] !== '0';
      for (let i = 0; i < 40 && (await left()); i++) await sleep(100);
    } finally {
      await stopper.close();
    }
    const ended = 'its session ended, its transaction rolled back';
    out.progress(`interrupted: the seed in ${t.where} was stopped (${ended}); nothing changed`);
  });
  return {
    committing: (sent) => {
      commit = sent;
    },
    get interrupted() {
      return interrupted;
    },
    forget,
  };
}
