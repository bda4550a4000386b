// What deploy does about a release that may already exist: the FR-010 rules as one pure function.
import { toolError, usageError } from '../cli/errors.ts';
import { postgresMajor } from './chart-pin.ts';
import { describeChange, diffValues } from './values-diff.ts';

export interface InstalledRelease {
  status: string;
  revision: number;
  chartVersion: string;
  appVersion: string;
  /** When the last revision was written (helm list's `updated`), if known. */
  updatedMs?: number | null;
  values: Record<string, unknown>;
}

export interface DesiredRelease {
  chartVersion: string;
  appVersion: string;
  values: Record<string, unknown>;
}

export type DeployDecision =
  | { kind: 'install' }
  | { kind: 'up-to-date' }
  | { kind: 'upgrade'; changes: string[]; why: 'requested' | 'failed-release' }
  | { kind: 'differs'; changes: string[] }
  | { kind: 'major-change'; from: number; to: number }
  | { kind: 'in-progress'; status: string; sinceMs: number | null };

export function releaseChanges(installed: InstalledRelease, desired: DesiredRelease): string[] {
  const chart =
    installed.chartVersion === desired.chartVersion
      ? []
      : [`chart: ${installed.chartVersion} → ${desired.chartVersion}`];
  return [...chart, ...diffValues(installed.values, desired.values).map(describeChange)];
}

export function decideDeploy(
  installed: InstalledRelease | null,
  desired: DesiredRelease,
  opts: { upgrade: boolean; allowMajorUpgrade: boolean },
): DeployDecision {
  if (!installed || installed.status === 'uninstalled') return { kind: 'install' };
  // Another helm operation owns the release; touching it now would corrupt its history.
  if (installed.status.startsWith('pending-') || installed.status === 'uninstalling')
    return {
      kind: 'in-progress',
      status: installed.status,
      sinceMs: installed.updatedMs == null ? null : Date.now() - installed.updatedMs,
    };
  const from = postgresMajor(installed.appVersion);
  const to = postgresMajor(desired.appVersion);
  if (from !== null && to !== null && from !== to && !opts.allowMajorUpgrade) return { kind: 'major-change', from, to };
  const changes = releaseChanges(installed, desired);
  // A failed release is what the user asked to fix by deploying again.
  if (installed.status === 'failed') return { kind: 'upgrade', changes, why: 'failed-release' };
  if (changes.length === 0) return { kind: 'up-to-date' };
  return opts.upgrade ? { kind: 'upgrade', changes, why: 'requested' } : { kind: 'differs', changes };
}

/** A release another helm operation holds, or a major version change, stops deploy before it changes anything. */
export function refuseBlocked(
  decision: DeployDecision,
  ref: { release: string; namespace: string; timeoutMs: number },
): void {
  // Pending for less than a deploy's own time limit: another deploy (or helm) is most likely at work now, and
  // a rollback or uninstall would pull the release out from under it.
  if (decision.kind === 'in-progress' && decision.sinceMs !== null && decision.sinceMs < ref.timeoutMs) {
    throw toolError(
      `release ${ref.release} is ${decision.status} since ${Math.round(decision.sinceMs / 1000)}s ago: another ` +
        'deploy is running; nothing changed',
      `wait for it to finish, then npm run -s db:deploy (only if none runs any more: helm history ${ref.release} ` +
        `-n ${ref.namespace})`,
    );
  }
  if (decision.kind === 'in-progress') {
    throw toolError(
      `release ${ref.release} is ${decision.status}: another helm operation is in progress or was interrupted; ` +
        'nothing changed',
      decision.status === 'pending-install'
        ? `helm uninstall ${ref.release} -n ${ref.namespace}, then deploy again`
        : `helm rollback ${ref.release} -n ${ref.namespace}, then deploy again`,
    );
  }
  if (decision.kind === 'major-change') {
    throw usageError(
      `installed PostgreSQL ${decision.from} cannot be replaced by ${decision.to} in place: the data directory ` +
        'format differs between major versions; nothing changed',
      'back up and restore into a new release, or pass --allow-major-upgrade once the data is migrated',
    );
  }
}
