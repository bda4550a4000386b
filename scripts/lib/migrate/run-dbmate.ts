// One dbmate run for up or rollback: the pod's dbmate (copied when missing or different), then one
// exec with the files and dbmate; the local target runs this machine's dbmate where it is.
import type { MigrationFile } from '../schema/migration-files.ts';
import type { ExecTarget } from '../target/spawn.ts';
import type { Output } from '../cli/output.ts';
import { onInterrupt } from '../cli/run-script.ts';
import type { PodSession } from '../target/pod-session.ts';
import { sessionsOf } from '../target/session-tag.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InPod, MigrateConfig } from './command.ts';
import { DBMATE_VERSION, hostUnameM, localDbmateFor } from './dbmate-binary.ts';
import {
  driverScript,
  ensureDbmateInPod,
  readPodFacts,
  readServerSocket,
  type DbmateAction,
  type DbmateRun,
} from './dbmate-in-pod.ts';

export async function runDbmate(
  cfg: MigrateConfig,
  out: Output,
  t: ExecTarget,
  { session, shell }: InPod,
  files: MigrationFile[],
  action: DbmateAction,
): Promise<DbmateRun> {
  // Side by side: the pod's facts and the hash of the binary a pod like this machine would need (a
  // different pod architecture is hashed once its name is known); the shell is already waiting.
  const guessArch = hostUnameM();
  const guess = localDbmateFor(guessArch, {
    override: cfg.dbmateBinary,
    os: t.kind === 'local' ? process.platform : 'linux',
  });
  guess.catch(() => {}); // awaited below when it is the one needed; its error surfaces there
  let dbmatePath: string | undefined;
  try {
    const server = readServerSocket(session);
    server.catch(() => {}); // awaited below; a dead session surfaces in the next query too
    if (t.kind === 'local') dbmatePath = (await guess).path;
    else {
      const facts = await readPodFacts(session);
      const local = cfg.dbmateBinary || facts.arch === guessArch ? await guess : await localDbmateFor(facts.arch);
      if (await ensureDbmateInPod(t, facts, local)) {
        const which = local.version ? `dbmate ${local.version} (${local.source}` : 'dbmate (--dbmate-binary';
        const older = local.version && local.version !== DBMATE_VERSION;
        const note = older ? `; ${DBMATE_VERSION} is not published for it, so the newest that is` : '';
        out.progress(`copied ${which}, linux ${facts.arch}${note}) into ${t.where}:/tmp/dbmate`);
      }
    }
    const limits = { lockTimeoutMs: cfg.lockTimeout, statementTimeoutMs: cfg.statementTimeout };
    const script = driverScript(files, action, await server, limits, dbmatePath);
    // Ctrl-C kills kubectl, not dbmate in the pod (kubernetes#89031): end its session there too.
    const forget = t.kind === 'pod' ? onInterrupt(() => stopInPod(out, t, session)) : () => {};
    try {
      return await shell.run(script);
    } finally {
      forget();
    }
  } catch (err) {
    shell.end();
    throw err;
  }
}

/** Ends dbmate's session (its transaction rolls back), waits until it is gone, says where the schema is. */
async function stopInPod(out: Output, t: ExecTarget, session: PodSession): Promise<void> {
  const mine = sessionsOf('migrate');
  await session.query(`select pg_terminate_backend(pid) ${mine}`);
  for (let i = 0; i < 40 && (await session.query(`select count(*) ${mine}`)).rows[0] !== '0'; i++) await sleep(100);
  const at = (await session.query("select coalesce(max(version), 'none') from schema_migrations")).rows[0];
  out.progress(
    `interrupted: the migration in ${t.where} was stopped (its session ended, its file rolled back); schema now ${at}`,
  );
}
