// kubectl argv as data (pure builders), one runner around them, and what its failures mean.
import { formatGoDuration } from '../cli/duration.ts';
import { toolError, type CliError } from '../cli/errors.ts';
import {
  describeTimeout,
  parseJsonStdout,
  runProcess,
  type ProcessResult,
  type RunOptions,
} from '../cli/process-runner.ts';

export function kubectlBaseArgs(o: { context?: string; namespace?: string; requestTimeoutMs?: number }): string[] {
  return [
    ...(o.context ? ['--context', o.context] : []),
    ...(o.namespace ? ['-n', o.namespace] : []),
    ...(o.requestTimeoutMs !== undefined ? [`--request-timeout=${formatGoDuration(o.requestTimeoutMs)}`] : []),
  ];
}

export function getArgs(
  kind: string,
  name: string | undefined,
  o: { namespace?: string; output: 'json' | `jsonpath=${string}` },
): string[] {
  return ['get', kind, ...(name ? [name] : []), ...(o.namespace ? ['-n', o.namespace] : []), '-o', o.output];
}

/** Several objects in one call (`pod/x persistentvolumeclaim/y`): a List of those that exist. */
export function getManyArgs(refs: readonly string[], namespace: string): string[] {
  return ['get', ...refs, '-n', namespace, '-o', 'json', '--ignore-not-found'];
}

/** Never -t: a TTY mangles binary streams (pg_dump -Fc) and an agent has none. */
export function execArgs(o: {
  namespace: string;
  pod: string;
  container?: string;
  stdin: boolean;
  /** -t: a terminal for the command (the runtime gives it a pty), for an interactive session. */
  tty?: boolean;
  command: readonly string[];
}): string[] {
  return [
    'exec',
    ...(o.stdin ? ['-i'] : []),
    ...(o.tty ? ['-t'] : []),
    '-n',
    o.namespace,
    o.pod,
    ...(o.container ? ['-c', o.container] : []),
    '--',
    ...o.command,
  ];
}

/** create (not apply) so a Secret is not copied into the last-applied annotation. */
export function createFromStdinArgs(namespace?: string): string[] {
  return ['create', ...(namespace ? ['-n', namespace] : []), '-f', '-'];
}

export function deleteArgs(kind: string, name: string, o: { namespace: string; ignoreNotFound?: boolean }): string[] {
  return ['delete', kind, name, '-n', o.namespace, ...(o.ignoreNotFound ? ['--ignore-not-found'] : [])];
}

/** Deletes a StatefulSet but leaves its pods running (the next StatefulSet with their labels adopts them). */
export function deleteOrphaningArgs(kind: string, name: string, namespace: string): string[] {
  return ['delete', kind, name, '-n', namespace, '--cascade=orphan', '--ignore-not-found'];
}

/** A merge patch of a claim's storage request: the one field of a bound claim that may grow. */
export function patchClaimSizeArgs(claim: string, namespace: string, size: string): string[] {
  const body = JSON.stringify({ spec: { resources: { requests: { storage: size } } } });
  return ['patch', 'persistentvolumeclaim', claim, '-n', namespace, '--type', 'merge', '-p', body];
}

export function logsArgs(o: {
  namespace: string;
  pod: string;
  container?: string;
  tail?: number;
  previous?: boolean;
}): string[] {
  return [
    'logs',
    o.pod,
    '-n',
    o.namespace,
    ...(o.container ? ['-c', o.container] : []),
    ...(o.tail !== undefined ? ['--tail', String(o.tail)] : []),
    ...(o.previous ? ['--previous'] : []),
  ];
}

export const versionArgs = (): string[] => ['version', '-o', 'json'];
export const currentContextArgs = (): string[] => ['config', 'current-context'];

export type KubectlFailure = 'unreachable' | 'not-found' | 'forbidden' | 'other';

const UNREACHABLE = [
  /couldn't get current server API group list/,
  /The connection to the server .* was refused/,
  /Unable to connect to the server/,
  /i\/o timeout/,
  /no such host/,
];

export function classifyKubectlFailure(stderr: string): KubectlFailure {
  if (UNREACHABLE.some((re) => re.test(stderr))) return 'unreachable';
  if (stderr.includes('Error from server (NotFound)')) return 'not-found';
  if (stderr.includes('Error from server (Forbidden)')) return 'forbidden';
  return 'other';
}

// klog lines ("E1125 14:00:00.000000   12345 memcache.go:265] ...") are noise next to kubectl's own sentence.
const KLOG_PREFIX = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]]+\] /;

export function firstUsefulLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => !KLOG_PREFIX.test(l)) ?? lines[0]?.replace(KLOG_PREFIX, '') ?? '(no error output)';
}

/** The one-line error for a failed kubectl call; `what` names the operation, e.g. 'get pod postgresql-0'. */
export function kubectlFailureError(
  result: ProcessResult,
  o: { context?: string; what: string; timeoutMs?: number },
): CliError {
  const where = o.context ? `context "${o.context}"` : 'current context';
  if (result.timedOut) {
    return toolError(
      `${describeTimeout(`kubectl ${o.what}`, o.timeoutMs ?? result.timeoutMs ?? 0)} (${where})`,
      'raise --timeout, or check the cluster with "kubectl get nodes"',
    );
  }
  const line = firstUsefulLine(result.stderr);
  switch (classifyKubectlFailure(result.stderr)) {
    case 'unreachable':
      return toolError(
        `cluster unreachable (${where}): ${line}`,
        'start the cluster, e.g. "minikube start", or pick one with --context',
      );
    case 'forbidden':
      return toolError(
        `kubectl ${o.what} forbidden (${where}): ${line}`,
        'use a context whose user may do this, via --context',
      );
    default:
      return toolError(
        `kubectl ${o.what} failed (exit ${result.exitCode}): ${line}`,
        'rerun with --debug to see the full kubectl output',
      );
  }
}

export interface Kubectl {
  run(args: readonly string[], opts?: Omit<RunOptions, 'toolName' | 'envVar'>): Promise<ProcessResult>;
  /** The object, or null when it does not exist. Other failures throw. */
  getJson(kind: string, name: string, namespace?: string): Promise<unknown>;
}

export function createKubectl(o: { bin: string; context?: string; timeoutMs?: number }): Kubectl {
  const run: Kubectl['run'] = (args, opts = {}) =>
    runProcess(o.bin, [...kubectlBaseArgs({ context: o.context }), ...args], {
      timeoutMs: o.timeoutMs,
      ...opts,
      toolName: 'kubectl',
      envVar: 'KUBECTL',
    });
  return {
    run,
    async getJson(kind, name, namespace) {
      const result = await run(getArgs(kind, name, { namespace, output: 'json' }));
      if (result.exitCode === 0) return parseJsonStdout(result, `kubectl get ${kind} ${name}`);
      if (!result.timedOut && classifyKubectlFailure(result.stderr) === 'not-found') return null;
      throw kubectlFailureError(result, { context: o.context, what: `get ${kind} ${name}`, timeoutMs: o.timeoutMs });
    },
  };
}
