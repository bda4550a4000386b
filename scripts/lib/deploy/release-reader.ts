// What helm says is installed under a release name: status, chart, and the values it was given.
import type { InstalledRelease } from './decision.ts';
import { getValuesArgs, helmFailureError, listArgs, type Helm } from '../cluster/helm.ts';
import { parseJsonStdout } from '../cli/process-runner.ts';

interface ListEntry {
  name: string;
  revision: string;
  status: string;
  chart: string;
  app_version: string;
  /** Go's time.Time text: "2026-12-02 06:24:59.123456789 +0000 UTC". */
  updated?: string;
}

/** Milliseconds since the epoch of helm list's `updated`, or null when it does not read as one. */
export function helmTimeMs(text: string | undefined): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-]\d{2})(\d{2})/.exec(text ?? '');
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}${(m[3] ?? '').slice(0, 4)}${m[4]}:${m[5]}`);
  return Number.isNaN(ms) ? null : ms;
}

export async function readInstalledRelease(
  helm: Helm,
  o: { release: string; namespace: string; helmMajor: number },
): Promise<InstalledRelease | null> {
  const list = await helm.run(listArgs(o.namespace, o.helmMajor));
  if (list.exitCode !== 0) throw helmFailureError(list, { what: 'list', release: o.release, namespace: o.namespace });
  const entry = (parseJsonStdout(list, 'helm list') as ListEntry[]).find((r) => r.name === o.release);
  if (!entry) return null;
  const got = await helm.run(getValuesArgs(o.release, o.namespace));
  if (got.exitCode !== 0)
    throw helmFailureError(got, { what: 'get values', release: o.release, namespace: o.namespace });
  const values = (parseJsonStdout(got, 'helm get values') as Record<string, unknown> | null) ?? {};
  return {
    status: entry.status,
    revision: Number(entry.revision),
    // "postgresql-16.7.27": the version is what follows the last dash before a digit.
    chartVersion: /-(\d[^-]*(?:-[^-]+)*)$/.exec(entry.chart)?.[1] ?? entry.chart,
    appVersion: entry.app_version,
    updatedMs: helmTimeMs(entry.updated),
    values,
  };
}
