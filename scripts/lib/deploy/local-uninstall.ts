// deploy --target local --uninstall: stop the server; with --delete-data --yes, delete what deploy made.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { toolError, usageError } from '../cli/errors.ts';
import { localPaths, readLocalState, serverStatus, serverUser, shownPath, stopServer } from '../target/local-server.ts';
import { readCreated, recordFile } from './local-created.ts';
import type { LocalDeployConfig } from './local.ts';

export interface LocalUninstallReport {
  status: 'uninstalled' | 'nothing-to-do';
  deleted: string[];
  kept: string[];
  stopped: boolean;
  /** --dry-run: nothing was stopped or deleted. */
  dryRun?: { wouldStop: boolean; wouldDelete: string[] };
}

/** Stops the server; deletes only what deploy made (never the whole --local-dir blindly). */
export async function uninstallLocal(cfg: LocalDeployConfig): Promise<LocalUninstallReport> {
  const p = localPaths(resolve(cfg.localDir));
  // What deploy recorded as made by it; a deploy from before records were kept: its usual paths, if its
  // state file says it ran here. Nothing else is ever deleted.
  const recorded = readCreated(p);
  const legacy = existsSync(p.stateFile) ? [p.dataDir, p.secretsDir, p.logDir, p.socketDir, p.stateFile] : [];
  const listed = (recorded ?? legacy).filter((f) => f !== p.dir && existsSync(f));
  // A file inside a directory that goes anyway is not named twice.
  const owned = listed.filter((f) => !listed.some((d) => f.startsWith(`${d}/`)));
  if (cfg.dryRun) {
    const wouldDelete = cfg.deleteData ? owned.map(shownPath) : [];
    const kept = cfg.deleteData ? [] : [p.dataDir, p.secretsDir].filter((f) => existsSync(f)).map(shownPath);
    const wouldStop = serverStatus(p).state === 'running';
    return { status: 'nothing-to-do', deleted: [], kept, stopped: false, dryRun: { wouldStop, wouldDelete } };
  }
  if (cfg.deleteData && !cfg.yes) {
    throw usageError(
      `--delete-data would destroy ${shownPath(p.dataDir)} and its passwords in ${shownPath(p.secretsDir)}`,
      'add --yes to confirm, or drop --delete-data to keep the data',
    );
  }
  const state = readLocalState(p);
  const running = serverStatus(p).state === 'running';
  if (running) {
    if (!state)
      throw toolError(
        `the server of ${shownPath(p.dataDir)} runs but ${shownPath(p.stateFile)} is missing`,
        `stop it by hand: pg_ctl stop -D ${p.dataDir}`,
      );
    await stopServer(p, state, serverUser());
  }
  if (!cfg.deleteData) {
    return {
      status: running ? 'uninstalled' : 'nothing-to-do',
      deleted: [],
      kept: [p.dataDir, p.secretsDir].filter((f) => existsSync(f)).map(shownPath),
      stopped: running,
    };
  }
  for (const f of owned) rmSync(f, { recursive: true, force: true });
  rmSync(recordFile(p), { force: true });
  // The directory itself only if deploy made it, and only when nothing else is left in it.
  try {
    if ((recorded?.includes(p.dir) ?? legacy.length > 0) && !readdirSync(p.dir).length) rmdirSync(p.dir);
  } catch {
    // already gone
  }
  return {
    status: running || owned.length ? 'uninstalled' : 'nothing-to-do',
    deleted: owned.map(shownPath),
    kept: [],
    stopped: running,
  };
}
