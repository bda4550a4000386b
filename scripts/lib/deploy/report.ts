// What deploy prints for each outcome (human lines and the one --json object), so deploy.ts stays a recipe.
import { YAML } from 'zx';
import type { Output } from '../cli/output.ts';
import { CHART } from './chart-pin.ts';
import type { ConnectionInfo } from '../cluster/app-connection.ts';
import type { StoragePlan } from './storage-plan.ts';
import type { DeployDecision } from './decision.ts';
import type { LocalUninstallReport } from './local-uninstall.ts';
import type { UndeployResult } from './undeploy.ts';

/** The keys every cluster outcome shares. */
export interface DeployReport {
  release: string;
  namespace: string;
  context: string;
  chart: typeof CHART;
  tools: { kubectl: string; helm: string; server: string };
  connection: ConnectionInfo;
}

function wouldKeepOrDelete(out: Output, r: { kept: string[]; wouldDelete: string[] }): void {
  out.line(
    r.wouldDelete.length
      ? `would delete: ${r.wouldDelete.join(', ')}`
      : `would keep (the data and its passwords): ${r.kept.join(', ') || 'nothing'}`,
  );
}

function keptOrDeleted(out: Output, r: { kept: string[]; deleted: string[] }): void {
  out.line(
    r.kept.length
      ? `kept (the data and its passwords): ${r.kept.join(', ')}`
      : `deleted: ${r.deleted.join(', ') || 'nothing'}`,
  );
}

export function reportUninstalled(
  out: Output,
  r: UndeployResult,
  ref: { release: string; namespace: string; helmMajor: number },
): void {
  if (r.dryRun) {
    const { wouldUninstall, wouldDelete } = r.dryRun;
    out.result({ ok: true, status: 'dry-run', ...ref, wouldUninstall, wouldDelete, kept: r.kept });
    wouldKeepOrDelete(out, { kept: r.kept, wouldDelete });
    const what = wouldUninstall
      ? `would uninstall release ${ref.release} from ${ref.namespace}`
      : `release ${ref.release} is not installed in ${ref.namespace}`;
    out.verdict(true, `dry run: ${what}; nothing changed`);
    return;
  }
  out.result({
    ok: true,
    status: r.release === 'absent' && !r.deleted.length ? 'nothing-to-do' : 'uninstalled',
    ...ref,
    deleted: r.deleted,
    kept: r.kept,
  });
  keptOrDeleted(out, r);
  out.verdict(
    true,
    r.release === 'uninstalled'
      ? `release ${ref.release} uninstalled from ${ref.namespace}`
      : `release ${ref.release} is not installed in ${ref.namespace}: nothing to do`,
  );
}

export function reportLocalUninstalled(out: Output, r: LocalUninstallReport): void {
  if (r.dryRun) {
    out.result({
      ok: true,
      status: 'dry-run',
      release: null,
      namespace: null,
      helmMajor: null,
      ...r.dryRun,
      kept: r.kept,
    });
    wouldKeepOrDelete(out, { kept: r.kept, wouldDelete: r.dryRun.wouldDelete });
    const stop = r.dryRun.wouldStop ? 'would stop the local server' : 'the local server is not running';
    const files = r.dryRun.wouldDelete.length ? ' and delete its data and passwords' : '';
    out.verdict(true, `dry run: ${stop}${files}; nothing changed`);
    return;
  }
  out.result({
    ok: true,
    status: r.status,
    release: null,
    namespace: null,
    helmMajor: null,
    deleted: r.deleted,
    kept: r.kept,
  });
  keptOrDeleted(out, r);
  const files = r.deleted.length ? 'its data and passwords are deleted' : 'its data is kept';
  out.verdict(
    true,
    r.status === 'nothing-to-do'
      ? 'no local server runs here: nothing to do'
      : `${r.stopped ? 'the local server is stopped' : 'the local server was not running'}; ${files}`,
  );
}

export function reportDryRun(
  out: Output,
  report: DeployReport,
  plan: { decision: DeployDecision; storage: StoragePlan; helmArgs: string[]; values: Record<string, unknown> },
): void {
  const { decision, storage } = plan;
  out.result({ ok: true, status: 'dry-run', ...report, plan });
  const changes = 'changes' in decision && decision.changes.length ? ` (${decision.changes.join('; ')})` : '';
  out.line(`plan: ${decision.kind}${changes}`);
  if (storage.kind === 'grow')
    out.line(
      `storage: grow ${storage.claim} ${storage.from} → ${storage.to}, then recreate the StatefulSet around its pod`,
    );
  if (storage.kind === 'recreate-statefulset')
    out.line('storage: recreate the StatefulSet around its pod, so its volume template matches the claim');
  out.line(`helm ${plan.helmArgs.join(' ')}`);
  out.line(`values (merged; the Secret holds the passwords):\n${YAML.stringify(plan.values).trimEnd()}`);
  out.verdict(true, 'dry run: nothing changed');
}

/** Installed and usable: either exactly this configuration, or a different one awaiting --upgrade. */
export function reportExisting(
  out: Output,
  report: DeployReport,
  decision: { kind: 'up-to-date' } | { kind: 'differs'; changes: string[] },
  upgradeCommand: string,
): void {
  const differs = decision.kind === 'differs';
  out.result({
    ok: true,
    status: differs ? 'upgrade-available' : 'up-to-date',
    ...report,
    changes: differs ? decision.changes : [],
    upgradeCommand: differs ? upgradeCommand : undefined,
  });
  out.line(`DATABASE_URL=${report.connection.url}`);
  out.line(`local access: ${report.connection.portForward}`);
  if (differs) {
    out.line(`would change: ${decision.changes.join('; ')}`);
    out.verdict(
      true,
      `${report.release} is deployed but differs from this configuration; nothing changed (apply: ${upgradeCommand})`,
    );
  } else {
    out.verdict(
      true,
      `already deployed, up to date and usable: ${report.release} in ${report.namespace} ` +
        `(chart ${CHART.version}); nothing to do`,
    );
  }
}

export function reportInstalled(
  out: Output,
  report: DeployReport,
  o: {
    status: 'deployed' | 'upgraded';
    user: string;
    secretCreated: boolean;
    changes: string[];
    timings: Record<string, number>;
    durationMs: number;
  },
): void {
  const conn = report.connection;
  out.result({
    ok: true,
    status: o.status,
    ...report,
    secretCreated: o.secretCreated,
    changes: o.changes,
    timings: o.timings,
    durationMs: o.durationMs,
  });
  out.line(
    `${o.status} ${report.release} in ${report.namespace}: chart ${CHART.name} ${CHART.version}, ` +
      `PostgreSQL ${CHART.appVersion} (${(o.durationMs / 1000).toFixed(1)}s)`,
  );
  out.line(`DATABASE_URL=${conn.url}`);
  out.line(
    `credentials: Secret ${report.namespace}/${conn.secret} (keys ${conn.secretKeys.user}, ${conn.secretKeys.admin})` +
      (o.secretCreated ? ', generated now' : ''),
  );
  out.line(`local access: ${conn.portForward}`);
  out.verdict(true, `ready: SELECT 1 as ${o.user} succeeded`);
}
