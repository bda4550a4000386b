// helm upgrade --install with the right wait/rollback flags, watching the pod while helm waits:
// a failed install may be rolled back before anyone looks, so the evidence is gathered on the way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Problem } from '../cluster/diagnose.ts';
import { classifyHelmFailure, helmFailureError, upgradeInstallArgs, type Helm } from '../cluster/helm.ts';
import type { Kubectl } from '../cluster/kubectl.ts';
import { collectDiagnosis } from '../target/pod-health.ts';
import { CHART } from './chart-pin.ts';
import type { Deadline } from '../cli/deadline.ts';
import { formatGoDuration } from '../cli/duration.ts';

export interface InstallRequest {
  release: string;
  namespace: string;
  files: readonly string[];
  runtime: Record<string, unknown>;
  helmMajor: number;
  timeoutMs: number;
}

export function installArgs(o: InstallRequest, runtimeFile: string): string[] {
  return upgradeInstallArgs({
    release: o.release,
    chart: CHART.ref,
    version: CHART.version,
    namespace: o.namespace,
    valuesFiles: [...o.files, runtimeFile],
    helmMajor: o.helmMajor,
    timeoutMs: o.timeoutMs,
  });
}

/**
 * helm's --timeout out of what is left of the run's. A failed upgrade is rolled back with a wait as long
 * again (action/upgrade.go failRelease gives the rollback the upgrade's timeout), so an upgrade gets half.
 */
export function helmWait(deadline: Deadline, upgrade: boolean, fix: string): { timeoutMs: number; says: string } {
  const left = deadline.leftFor('helm upgrade --install', fix);
  if (!upgrade) return { timeoutMs: left, says: `waiting up to ${formatGoDuration(left)}` };
  const half = Math.max(1000, Math.floor(left / 2000) * 1000);
  return { timeoutMs: half, says: `waiting up to ${formatGoDuration(half)}, as long again for a rollback` };
}

/** null when helm reports success; the pod's problem when it does not. Other helm failures throw. */
export async function helmInstall(helm: Helm, kubectl: Kubectl, o: InstallRequest): Promise<Problem | null> {
  // Values go in a file, not --set: no argv noise, and the same merge helm does for the others.
  const dir = mkdtempSync(join(tmpdir(), 'pg-deploy-'));
  const runtimeFile = join(dir, 'runtime-values.json');
  writeFileSync(runtimeFile, JSON.stringify(o.runtime), { mode: 0o600 });
  try {
    let done = false;
    const running = helm
      .run(installArgs(o, runtimeFile), { timeoutMs: o.timeoutMs + 60_000 })
      .finally(() => (done = true));
    let seen: Problem | null = null;
    // Unref'd: the pause that loses the race to helm must not hold the process open after its answer.
    const pause = (ms: number) => sleep(ms, undefined, { ref: false });
    await Promise.race([running, pause(2000)]);
    while (!done) {
      seen = failureEvidence(seen, await collectDiagnosis(kubectl, o).catch(() => null));
      await Promise.race([running, pause(3000)]);
    }
    const result = await running;
    if (result.exitCode === 0) return null;
    const kind = classifyHelmFailure(result.stderr);
    if (kind !== 'other' || result.timedOut)
      throw helmFailureError(result, {
        what: 'upgrade --install',
        release: o.release,
        namespace: o.namespace,
        timeoutMs: o.timeoutMs,
      });
    const problem = failureEvidence(seen, await collectDiagnosis(kubectl, o).catch(() => null));
    if (problem) return problem;
    throw helmFailureError(result, { what: 'upgrade --install', release: o.release, namespace: o.namespace });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The better of two looks at a failing install. helm's rollback tears the pod down, possibly between reading
 * its status and its log, so a look that finds no pod, or the same problem with less said (no log lines), keeps
 * the earlier one; a different problem is news.
 */
export function failureEvidence(seen: Problem | null, now: Problem | null): Problem | null {
  if (!now || now.code === 'pod-missing') return seen ?? now;
  if (seen && now.code === seen.code && now.message.length < seen.message.length) return seen;
  return now;
}
