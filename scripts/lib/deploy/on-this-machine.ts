// deploy --target local: the same contract (statuses, lines, JSON keys) for a server on this machine.
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { checkNames } from '../cluster/preflight.ts';
import { deployLocal, type LocalDeployConfig } from './local.ts';
import { uninstallLocal } from './local-uninstall.ts';
import { reportLocalUninstalled } from './report.ts';

export async function deployOnThisMachine(
  cfg: LocalDeployConfig & { namespace: string; release: string },
  out: Output,
): Promise<ExitCodeValue> {
  checkNames({ namespace: cfg.namespace, release: cfg.release, database: cfg.database, user: cfg.user });
  if (cfg.uninstall) {
    reportLocalUninstalled(out, await uninstallLocal(cfg));
    return ExitCode.ok;
  }
  out.progress(`local server in ${cfg.localDir}`);
  const r = await deployLocal(cfg);
  out.result(r.result);
  for (const line of r.lines) out.line(line);
  out.verdict(true, r.verdict);
  return ExitCode.ok;
}
