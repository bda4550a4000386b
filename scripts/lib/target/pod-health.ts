// Is the deployed PostgreSQL usable, and if not, why: an authenticated query, then the evidence.
import { chartNames } from '../cluster/chart-names.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { diagnose, type EventJson, type PodJson, type Problem, type PvcJson } from '../cluster/diagnose.ts';
import { execArgs, logsArgs, type Kubectl } from '../cluster/kubectl.ts';
import { secretMissingProblem } from './mounted-secret.ts';
import { appQueryCommand, isPasswordRejected } from './pod-sql.ts';

export interface PodRef {
  namespace: string;
  release: string;
}

export const podName = (release: string): string => chartNames(release).pod;

export async function collectDiagnosis(kubectl: Kubectl, o: PodRef): Promise<Problem | null> {
  const pod = (await kubectl.getJson('pod', podName(o.release), o.namespace)) as PodJson | null;
  const pvc = (await kubectl.getJson('pvc', chartNames(o.release).pvc, o.namespace)) as PvcJson | null;
  const ev = await kubectl.run(['get', 'events', '-n', o.namespace, '-o', 'json']);
  const events = ev.exitCode === 0 ? ((JSON.parse(ev.stdout) as { items: EventJson[] }).items ?? []) : [];
  // Waiting out a back-off, or just restarted after a crash: either way the last instance's log says why.
  const crashed = pod?.status?.containerStatuses?.some(
    (c) => c.state?.waiting?.reason === 'CrashLoopBackOff' || (c.lastState?.terminated && !c.ready),
  );
  let previousLog: string[] | undefined;
  if (crashed) {
    const logs = await kubectl.run(
      logsArgs({ namespace: o.namespace, pod: podName(o.release), container: 'postgresql', tail: 5, previous: true }),
    );
    previousLog = logs.exitCode === 0 ? logs.stdout.split('\n') : undefined;
  }
  return diagnose({ namespace: o.namespace, pod, podName: podName(o.release), pvc, events, previousLog });
}

/** One authenticated `SELECT 1` as the app user; the readiness probe does not authenticate. */
export async function queryAsApp(kubectl: Kubectl, o: PodRef): Promise<{ ok: boolean; stderr: string }> {
  const r = await kubectl.run(
    execArgs({
      namespace: o.namespace,
      pod: podName(o.release),
      container: 'postgresql',
      stdin: false,
      command: appQueryCommand('select 1'),
    }),
  );
  return { ok: r.exitCode === 0 && r.stdout.trim() === '1', stderr: r.stderr };
}

export function passwordMismatch(o: PodRef, secret: string): Problem {
  return {
    code: 'password-mismatch',
    message:
      `the app user's password in Secret ${o.namespace}/${secret} is rejected (SQLSTATE 28P01): the data ` +
      `volume was initialised with other passwords`,
    fix: `restore the Secret the data was created with, or reset the password in the pod (README: "Password lost")`,
  };
}

/** Polls until the query succeeds or the time is up; a rejected password ends it at once. */
export async function waitUntilUsable(
  kubectl: Kubectl,
  o: PodRef & { secret: string; timeoutMs: number },
): Promise<Problem | null> {
  const deadline = Date.now() + o.timeoutMs;
  let last = '';
  for (;;) {
    const q = await queryAsApp(kubectl, o);
    // Usable now; not for long if the Secret it mounted is gone.
    if (q.ok) return secretMissingProblem(kubectl, { ...o, podName: podName(o.release) });
    if (isPasswordRejected(q.stderr)) return passwordMismatch(o, o.secret);
    last =
      q.stderr
        .trim()
        .split('\n')
        .find((l) => !l.startsWith('command terminated')) ?? last;
    if (Date.now() >= deadline) {
      return (
        (await collectDiagnosis(kubectl, o)) ?? {
          code: 'query-failed',
          message: `SELECT 1 as the app user failed for ${Math.round(o.timeoutMs / 1000)}s: ${last}`,
          fix: `kubectl logs -n ${o.namespace} ${podName(o.release)}`,
        }
      );
    }
    await sleep(1000);
  }
}
