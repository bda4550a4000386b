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
    values,
  };
}
