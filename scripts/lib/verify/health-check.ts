// One verify pass: deployed at all, then the pod, then one exec into it. On a healthy database that
// is four calls: helm status, kubectl get of the pod and its claim, the exec beside a get of the Secret.
import { chartNames } from '../cluster/chart-names.ts';
import { readdirSync } from 'node:fs';
import { readMigrations } from '../schema/migration-files.ts';
import { lintFiles } from '../schema/migration-lint.ts';
import {
  assessProbe,
  migrationVersions,
  podProbeHints,
  type ClaimSize,
  type Finding,
  type HealthDetails,
} from './health-assessment.ts';
import { parseProbeOutput, probeCommand } from './health-probe.ts';
import { classifyHelmFailure, helmFailureError, statusArgs, type Helm } from '../cluster/helm.ts';
import { execArgs, getManyArgs, kubectlFailureError, type Kubectl } from '../cluster/kubectl.ts';
import { quantityBytes } from '../cluster/quantity.ts';
import { parseJsonStdout } from '../cli/process-runner.ts';
import type { PodJson } from '../cluster/diagnose.ts';
import { secretMissingProblem } from '../target/mounted-secret.ts';
import { collectDiagnosis, podName } from '../target/pod-health.ts';

export type HealthStatus = 'healthy' | 'unhealthy' | 'not-deployed';

export interface HealthReport {
  status: HealthStatus;
  /** For not-deployed: the first part that is missing. */
  missing?: { part: 'namespace' | 'release' | 'pod' | 'server'; message: string; fix: string };
  problems: Finding[];
  warnings: Finding[];
  /** releaseStatus and pod on a cluster, server for the local target. */
  details: HealthDetails & {
    releaseStatus?: string;
    pod?: string;
    server?: { pid: number; port: number; dataDir: string };
  };
}

export interface HealthTarget {
  release: string;
  namespace: string;
  secret: string;
  migrationsDir: string;
  context?: string | undefined;
}

/** Versions of local files with a blocking lint finding (up would refuse them); [] if lint cannot run. */
export async function riskyMigrations(dir: string): Promise<string[]> {
  try {
    const files = readMigrations(dir);
    const report = await lintFiles(files, new Set());
    const risky = new Set(report.findings.filter((f) => f.blocking).map((f) => f.file));
    return files.filter((f) => risky.has(f.path)).map((f) => f.version);
  } catch {
    return []; // a health check reports the database; a linter that cannot run is not its problem
  }
}

export function localMigrations(dir: string): string[] {
  try {
    return migrationVersions(readdirSync(dir));
  } catch {
    return []; // no migrations directory: nothing can be pending
  }
}

interface ClaimJson {
  kind: 'PersistentVolumeClaim';
  spec?: { storageClassName?: string };
  status?: { capacity?: { storage?: string } };
}

/** The pod and its data claim in one call: the claim's capacity tells whether df in the pod means it. */
async function readPodAndClaim(
  kubectl: Kubectl,
  t: HealthTarget,
): Promise<{ pod: PodJson | null; claim: ClaimSize | undefined }> {
  const names = chartNames(t.release);
  const r = await kubectl.run(getManyArgs([`pod/${names.pod}`, `persistentvolumeclaim/${names.pvc}`], t.namespace));
  if (r.exitCode !== 0) throw kubectlFailureError(r, { context: t.context, what: `get pod ${names.pod}` });
  const items =
    (parseJsonStdout(r, `kubectl get pod ${names.pod}`) as { items?: Array<{ kind?: string }> }).items ?? [];
  const pod = (items.find((i) => i.kind === 'Pod') as PodJson | undefined) ?? null;
  const pvc = items.find((i) => i.kind === 'PersistentVolumeClaim') as ClaimJson | undefined;
  const size = pvc?.status?.capacity?.storage;
  const bytes = size ? quantityBytes(size) : null;
  const claim = size && bytes ? { bytes, size, storageClass: pvc?.spec?.storageClassName ?? '' } : undefined;
  return { pod, claim };
}

export async function checkHealth(kubectl: Kubectl, helm: Helm, t: HealthTarget): Promise<HealthReport> {
  // Local work beside the cluster calls.
  const risky = riskyMigrations(t.migrationsDir);
  const empty = { problems: [], warnings: [], details: {} };
  const deployFix = 'npm run -s db:deploy';
  const status = await helm.run(statusArgs(t.release, t.namespace));
  if (status.exitCode !== 0) {
    if (classifyHelmFailure(status.stderr) !== 'release-not-found')
      throw helmFailureError(status, { what: 'status', release: t.release, namespace: t.namespace });
    const ns = await kubectl.getJson('namespace', t.namespace);
    const missing = ns
      ? { part: 'release' as const, message: `no release ${t.release} in namespace ${t.namespace}`, fix: deployFix }
      : { part: 'namespace' as const, message: `namespace ${t.namespace} does not exist`, fix: deployFix };
    return { status: 'not-deployed', missing, ...empty };
  }
  const releaseStatus = (JSON.parse(status.stdout) as { info?: { status?: string } }).info?.status ?? 'unknown';
  const { pod, claim } = await readPodAndClaim(kubectl, t);
  if (!pod) {
    return {
      status: 'not-deployed',
      missing: {
        part: 'pod',
        message: `release ${t.release} (${releaseStatus}) has no pod ${podName(t.release)}`,
        fix: `kubectl scale statefulset ${chartNames(t.release).statefulSet} -n ${t.namespace} --replicas=1`,
      },
      ...empty,
    };
  }
  const problems: Finding[] = [];
  if (releaseStatus !== 'deployed') {
    problems.push({
      code: `release-${releaseStatus}`,
      message: `helm release ${t.release} is ${releaseStatus}`,
      fix: releaseStatus.startsWith('pending-')
        ? `helm rollback ${t.release} -n ${t.namespace}`
        : `${deployFix} (a failed release is redeployed)`,
    });
  }
  const ready = pod.status?.containerStatuses?.some((c) => c.ready) ?? false;
  if (!ready) {
    const problem = await collectDiagnosis(kubectl, t);
    if (problem) problems.push(problem);
    return { status: 'unhealthy', problems, warnings: [], details: { releaseStatus, pod: pod.status?.phase } };
  }
  // Side by side with the probe: the Secret the pod mounted must still be there.
  const [exec, secretGone] = await Promise.all([
    kubectl.run(
      execArgs({
        namespace: t.namespace,
        pod: podName(t.release),
        container: 'postgresql',
        stdin: false,
        command: probeCommand(),
      }),
    ),
    secretMissingProblem(kubectl, { ...t, podName: podName(t.release), pod }),
  ]);
  if (secretGone) problems.push(secretGone);
  if (exec.exitCode !== 0 && !exec.stdout.includes('app-error'))
    throw kubectlFailureError(exec, { context: t.context, what: `exec into ${podName(t.release)}` });
  const hints = podProbeHints({ namespace: t.namespace, pod: podName(t.release), secret: t.secret });
  const assessed = assessProbe(parseProbeOutput(exec.stdout), {
    hints,
    localMigrations: localMigrations(t.migrationsDir),
    riskyMigrations: await risky,
    migrationsDir: t.migrationsDir,
    claim,
  });
  problems.push(...assessed.problems);
  return {
    status: problems.length ? 'unhealthy' : 'healthy',
    problems,
    warnings: assessed.warnings,
    details: { releaseStatus, pod: 'Running', ...assessed.details },
  };
}
