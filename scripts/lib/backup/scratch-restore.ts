// A backup restored into a scratch database (restore and backup verify): Ctrl-C ends its session in the
// pod and drops the scratch database, so an interrupt never leaves a copy behind.
import type { Output } from '../cli/output.ts';
import { onInterrupt } from '../cli/run-script.ts';
import type { HeldLock } from '../target/maintenance-lock.ts';
import type { PodSession } from '../target/pod-session.ts';
import type { ExecTarget } from '../target/spawn.ts';
import {
  endRestoreSessions,
  publicSchemaSql,
  startRestore,
  type PublicSchema,
  type RestoreResult,
} from './restore-stream.ts';
import { dropScratchDatabase } from './scratch-database.ts';

export interface ScratchRun {
  admin: PodSession;
  lock: HeldLock;
  scratch: string;
  publicSchema: PublicSchema;
  /** Count each table's rows once it is in. */
  countRows?: boolean;
  /** What an interrupt says, given the error dropping the scratch database hit (null: it is gone). */
  interrupted: (dropError: string | null) => string;
  out: Output;
}

export async function restoreIntoScratch(t: ExecTarget, file: string, o: ScratchRun): Promise<RestoreResult> {
  const publicSql = publicSchemaSql(o.publicSchema);
  const running = startRestore(t, file, { scratch: o.scratch, publicSql, countRows: o.countRows });
  let interrupted = false;
  const forget = onInterrupt(async () => {
    interrupted = true;
    running.kill();
    await endRestoreSessions(o.admin);
    o.out.progress(o.interrupted(await dropScratchDatabase(o.admin, o.scratch)));
    await o.admin.close();
    await o.lock.release();
  });
  const r = await running.done;
  // Killing the restore ends it here too: the interrupt's cleanup owns the sessions now and exits the
  // process when done; going on would race it for them.
  if (interrupted) await new Promise<never>(() => {});
  forget();
  return r;
}
