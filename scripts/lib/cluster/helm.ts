// helm argv as data for Helm 3 and 4 (their wait flags differ), one runner, and what its failures mean.
import { formatGoDuration } from '../cli/duration.ts';
import { toolError, type CliError } from '../cli/errors.ts';
import { describeTimeout, runProcess, type ProcessResult } from '../cli/process-runner.ts';

export interface HelmVersion {
  major: number;
  minor: number;
  patch: number;
  raw: string;
}

/** `--short` prints "v3.17.3+g1234567" on Helm 3 and 4 alike. */
export const helmVersionArgs = (): string[] => ['version', '--short'];

export function parseHelmVersion(stdout: string): HelmVersion {
  const raw = stdout.trim();
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(raw);
  if (!match)
    throw toolError(
      `cannot read the helm version from ${JSON.stringify(raw.slice(0, 80))}`,
      'install Helm 3 or 4, or point HELM at it',
    );
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  if (major < 3) throw toolError(`helm ${raw} is too old`, 'install Helm 3 or 4, or point HELM at it');
  return { major, minor, patch, raw };
}

/**
 * Helm 4's default wait strategy does not wait for pods, and --atomic is deprecated there,
 * so each major gets the flags that really wait and really roll back.
 */
export function helmWaitFlags(major: number, timeoutMs: number): string[] {
  const timeout = ['--timeout', formatGoDuration(timeoutMs)];
  return major >= 4 ? ['--wait=watcher', '--rollback-on-failure', ...timeout] : ['--wait', '--atomic', ...timeout];
}

export interface UpgradeInstallOptions {
  release: string;
  chart: string;
  version: string;
  namespace: string;
  valuesFiles: readonly string[];
  /** Never secrets: argv is visible in `ps`. Sent with --set-string so "16.10" stays a string. */
  set?: Readonly<Record<string, string>>;
  helmMajor: number;
  timeoutMs: number;
  createNamespace?: boolean;
}

export function upgradeInstallArgs(o: UpgradeInstallOptions): string[] {
  return [
    'upgrade',
    '--install',
    o.release,
    o.chart,
    '--version',
    o.version,
    '--namespace',
    o.namespace,
    ...(o.createNamespace ? ['--create-namespace'] : []),
    ...o.valuesFiles.flatMap((file) => ['-f', file]),
    ...Object.entries(o.set ?? {}).flatMap(([key, value]) => ['--set-string', `${key}=${value}`]),
    ...helmWaitFlags(o.helmMajor, o.timeoutMs),
  ];
}

export const statusArgs = (release: string, namespace: string): string[] => [
  'status',
  release,
  '--namespace',
  namespace,
  '-o',
  'json',
];
/**
 * Helm 3's default list hides pending-* releases, exactly the ones we must spot, so it needs
 * --all; Helm 4 lists every status by default and has no --all flag.
 */
export const listArgs = (namespace: string, helmMajor: number): string[] => [
  'list',
  '--namespace',
  namespace,
  ...(helmMajor >= 4 ? [] : ['--all']),
  '-o',
  'json',
];
export const getValuesArgs = (release: string, namespace: string): string[] => [
  'get',
  'values',
  release,
  '--namespace',
  namespace,
  '-o',
  'json',
];
export const uninstallArgs = (release: string, namespace: string): string[] => [
  'uninstall',
  release,
  '--namespace',
  namespace,
  '--wait',
];

export type HelmFailure = 'unreachable' | 'release-not-found' | 'operation-in-progress' | 'other';

export function classifyHelmFailure(stderr: string): HelmFailure {
  // Helm 3 says "Kubernetes cluster unreachable", Helm 4 "kubernetes cluster unreachable".
  if (/kubernetes cluster unreachable/i.test(stderr)) return 'unreachable';
  if (stderr.includes('release: not found')) return 'release-not-found';
  if (stderr.includes('another operation (install/upgrade/rollback) is in progress')) return 'operation-in-progress';
  return 'other';
}

/** The one-line error for a failed helm call; `what` names the operation, e.g. 'upgrade postgresql'. */
export function helmFailureError(
  result: ProcessResult,
  o: { what: string; release: string; namespace: string; context?: string; timeoutMs?: number },
): CliError {
  // OCI pulls print "Pulled:"/"Digest:" on stderr first: the error is the "Error:" line.
  const lines = result.stderr.trim().split('\n').filter(Boolean);
  const line = (lines.find((l) => l.startsWith('Error: ')) ?? lines[0])?.replace(/^Error: /, '') ?? '(no error output)';
  if (result.timedOut) {
    return toolError(
      describeTimeout(`helm ${o.what}`, o.timeoutMs ?? result.timeoutMs ?? 0),
      `raise --timeout, or inspect "helm status ${o.release} -n ${o.namespace}"`,
    );
  }
  switch (classifyHelmFailure(result.stderr)) {
    case 'unreachable':
      return toolError(
        `cluster unreachable (${o.context ? `context "${o.context}"` : 'current context'}): ${line}`,
        'start the cluster, e.g. "minikube start", or pick one with --context',
      );
    case 'operation-in-progress':
      // Helm found another operation's lock just now: most likely a deploy running beside this one. A rollback
      // (the way out of an interrupted one; never edit Helm's release secrets) would pull it out from under it.
      return toolError(
        `release ${o.release} is being changed by another helm operation (another deploy is running?): ${line}`,
        `wait for it to finish, then npm run -s db:deploy (only if none runs any more: helm rollback ${o.release} ` +
          `-n ${o.namespace})`,
      );
    case 'release-not-found':
      return toolError(
        `release ${o.release} not found in namespace ${o.namespace}`,
        'deploy it first, or pass the right --release/--namespace',
      );
    default:
      return toolError(
        `helm ${o.what} failed (exit ${result.exitCode}): ${line}`,
        'rerun with --debug to see the full helm output',
      );
  }
}

export interface Helm {
  /** Runs `helm version` once per instance; every later call reuses the answer. */
  version(): Promise<HelmVersion>;
  run(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<ProcessResult>;
}

export function createHelm(o: { bin: string; context?: string; timeoutMs?: number }): Helm {
  // Appended, not prepended: helm's global flags are safest after the subcommand.
  const contextArgs = o.context ? ['--kube-context', o.context] : [];
  const run: Helm['run'] = (args, opts = {}) =>
    runProcess(o.bin, [...args, ...contextArgs], {
      timeoutMs: opts.timeoutMs ?? o.timeoutMs,
      input: opts.input,
      toolName: 'helm',
      envVar: 'HELM',
    });
  let cached: Promise<HelmVersion> | undefined;
  return {
    run,
    version() {
      cached ??= runProcess(o.bin, helmVersionArgs(), {
        timeoutMs: o.timeoutMs,
        toolName: 'helm',
        envVar: 'HELM',
      }).then((r) => {
        if (r.exitCode !== 0)
          throw toolError(
            `helm version failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n')[0] ?? ''}`,
            'check the helm install, or point HELM at a working binary',
          );
        return parseHelmVersion(r.stdout);
      });
      // A failed probe should be retried by the next caller rather than cached forever.
      cached.catch(() => (cached = undefined));
      return cached;
    },
  };
}
