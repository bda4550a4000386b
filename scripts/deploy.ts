// deploy.ts: put PostgreSQL on the cluster (Bitnami chart and image pinned together), with its own
// namespace, persistent volume and generated credentials; safe to run again and again.
import { YAML } from 'zx';
import { CHART } from './lib/deploy/chart-pin.ts';
import { createClusterTools } from './lib/cluster/tools.ts';
import { connectionInfo } from './lib/deploy/connection-info.ts';
import { ensureCredentialsSecret, ensureNamespace, readUserPassword } from './lib/deploy/credentials-secret.ts';
import { decideDeploy } from './lib/deploy/decision.ts';
import { DEPLOY_OPTIONS } from './lib/deploy/options.ts';
import { desiredValues, runtimeValues, valuesFiles } from './lib/deploy/values.ts';
import { notOkError, toolError, usageError } from './lib/cli/errors.ts';
import { helmInstall, installArgs } from './lib/deploy/helm-install.ts';
import { deployLocal, uninstallLocal } from './lib/deploy/local.ts';
import { waitUntilUsable } from './lib/target/pod-health.ts';
import { checkCluster, checkNames } from './lib/cluster/preflight.ts';
import { readInstalledRelease } from './lib/deploy/release-reader.ts';
import { runScript } from './lib/cli/run-script.ts';
import type { ConfigValues } from './lib/cli/option-spec.ts';
import { ExitCode, type ExitCodeValue } from './lib/cli/exit-codes.ts';
import type { Output } from './lib/cli/output.ts';
import { undeploy } from './lib/deploy/undeploy.ts';

// The same command the user ran, with --upgrade: what applies the change they asked for.
const UPGRADE_CMD = [
  'npm run -s db:deploy --',
  ...process.argv.slice(2).filter((a) => a !== '--json'),
  '--upgrade',
].join(' ');

await runScript(
  {
    command: 'npm run -s db:deploy --',
    summary:
      `Deploy PostgreSQL (chart ${CHART.name} ${CHART.version}, PostgreSQL ${CHART.appVersion}) into its own namespace. ` +
      'A second run changes nothing; a changed configuration is applied with --upgrade.',
    usage: 'npm run -s db:deploy -- [flags]',
    spec: DEPLOY_OPTIONS,
    examples: [
      'npm run -s db:deploy',
      'npm run -s db:deploy -- --target local',
      'npm run -s db:deploy -- --overlay minikube --json',
      'npm run -s db:deploy -- --uninstall',
    ],
  },
  async ({ cfg, out }) => {
    if (cfg.deleteData && !cfg.uninstall)
      throw usageError(
        '--delete-data only goes with --uninstall',
        'npm run -s db:deploy -- --uninstall --delete-data --yes',
      );
    if (cfg.target === 'local') return deployOnThisMachine(cfg, out);
    const started = performance.now();
    const timings: Record<string, number> = {};
    const phase = (name: string, since: number): number => {
      timings[name] = Math.round(performance.now() - since);
      return performance.now();
    };
    checkNames({ namespace: cfg.namespace, release: cfg.release, database: cfg.database, user: cfg.user });
    const secret = cfg.secretName ?? `${cfg.release}-credentials`;
    const files = valuesFiles(cfg.overlay);
    const { kubectl, helm } = createClusterTools(cfg);

    out.progress('preflight: kubectl, helm, cluster, storage');
    const facts = await checkCluster({ kubectl, helm, context: cfg.context, storageClass: cfg.storageClass });
    let t = phase('preflight', started);
    out.progress(
      `kubectl ${facts.kubectlVersion}, helm ${facts.helmVersion}, cluster ${facts.serverVersion} (context ${facts.context}), StorageClass ${facts.storageClass}`,
    );
    const ref = { release: cfg.release, namespace: cfg.namespace, helmMajor: facts.helmMajor };
    const installed = await readInstalledRelease(helm, ref);

    if (cfg.uninstall) {
      const r = await undeploy(helm, kubectl, {
        ...ref,
        secret,
        context: facts.context,
        deleteData: cfg.deleteData,
        yes: cfg.yes,
        releasePresent: installed !== null,
      });
      out.result({
        ok: true,
        status: r.release === 'absent' && !r.deleted.length ? 'nothing-to-do' : 'uninstalled',
        ...ref,
        deleted: r.deleted,
        kept: r.kept,
      });
      out.line(
        r.kept.length
          ? `kept (the data and its passwords): ${r.kept.join(', ')}`
          : `deleted: ${r.deleted.join(', ') || 'nothing'}`,
      );
      out.verdict(
        true,
        r.release === 'uninstalled'
          ? `release ${cfg.release} uninstalled from ${cfg.namespace}`
          : `release ${cfg.release} is not installed in ${cfg.namespace}: nothing to do`,
      );
      return ExitCode.ok;
    }

    const runtime = runtimeValues({
      secret,
      user: cfg.user,
      database: cfg.database,
      storageSize: cfg.storageSize,
      storageClass: facts.storageClass,
    });
    const desired = {
      chartVersion: CHART.version,
      appVersion: CHART.appVersion,
      values: desiredValues(files, runtime),
    };
    const decision = decideDeploy(installed, desired, {
      upgrade: cfg.upgrade,
      allowMajorUpgrade: cfg.allowMajorUpgrade,
    });
    const connection = async (): Promise<ReturnType<typeof connectionInfo>> => {
      const password = cfg.showSecrets
        ? await readUserPassword(kubectl, { name: secret, namespace: cfg.namespace })
        : undefined;
      return connectionInfo({
        release: cfg.release,
        namespace: cfg.namespace,
        database: cfg.database,
        user: cfg.user,
        secret,
        password,
        showSecrets: cfg.showSecrets,
      });
    };
    let conn = await connection();
    const tools = { kubectl: facts.kubectlVersion, helm: facts.helmVersion, server: facts.serverVersion };
    const report = {
      release: cfg.release,
      namespace: cfg.namespace,
      context: facts.context,
      chart: CHART,
      tools,
      connection: conn,
    };

    if (decision.kind === 'in-progress') {
      throw toolError(
        `release ${cfg.release} is ${decision.status}: another helm operation is in progress or was interrupted; nothing changed`,
        decision.status === 'pending-install'
          ? `helm uninstall ${cfg.release} -n ${cfg.namespace}, then deploy again`
          : `helm rollback ${cfg.release} -n ${cfg.namespace}, then deploy again`,
      );
    }
    if (decision.kind === 'major-change') {
      throw usageError(
        `installed PostgreSQL ${decision.from} cannot be replaced by ${decision.to} in place: the data directory format differs between major versions; nothing changed`,
        'back up and restore into a new release, or pass --allow-major-upgrade once the data is migrated',
      );
    }
    if (cfg.dryRun) {
      const plan = {
        decision,
        helmArgs: installArgs({ ...ref, files, runtime, timeoutMs: cfg.timeout }, '<runtime-values.json>'),
        values: desired.values,
      };
      out.result({ ok: true, status: 'dry-run', ...report, plan });
      out.line(
        `plan: ${decision.kind}${'changes' in decision && decision.changes.length ? ` (${decision.changes.join('; ')})` : ''}`,
      );
      out.line(`helm ${plan.helmArgs.join(' ')}`);
      out.line(`values (merged; the Secret holds the passwords):\n${YAML.stringify(desired.values).trimEnd()}`);
      out.verdict(true, 'dry run: nothing changed');
      return ExitCode.ok;
    }
    if (decision.kind === 'up-to-date' || decision.kind === 'differs') {
      // Up to date is only worth saying if it also works: same check as after an install.
      const problem = await waitUntilUsable(kubectl, { ...ref, secret, timeoutMs: cfg.readyTimeout });
      if (problem)
        throw notOkError(
          `${cfg.release} is deployed but not usable [${problem.code}]: ${problem.message}`,
          problem.fix,
        );
      const status = decision.kind === 'up-to-date' ? 'up-to-date' : 'upgrade-available';
      out.result({
        ok: true,
        status,
        ...report,
        changes: decision.kind === 'differs' ? decision.changes : [],
        upgradeCommand: decision.kind === 'differs' ? UPGRADE_CMD : undefined,
      });
      out.line(`DATABASE_URL=${conn.url}`);
      if (decision.kind === 'differs') {
        out.line(`would change: ${decision.changes.join('; ')}`);
        out.verdict(
          true,
          `${cfg.release} is deployed but differs from this configuration; nothing changed (apply: ${UPGRADE_CMD})`,
        );
      } else
        out.verdict(
          true,
          `already deployed, up to date and usable: ${cfg.release} in ${cfg.namespace} (chart ${CHART.version}); nothing to do`,
        );
      return ExitCode.ok;
    }

    await ensureNamespace(kubectl, { namespace: cfg.namespace, context: facts.context });
    const secretState = await ensureCredentialsSecret(kubectl, {
      name: secret,
      namespace: cfg.namespace,
      release: cfg.release,
      context: facts.context,
    });
    t = phase('credentials', t);
    out.progress(
      `helm upgrade --install ${cfg.release} (chart ${CHART.version}, helm ${facts.helmVersion}); waiting up to ${Math.round(cfg.timeout / 1000)}s`,
    );
    const helmProblem = await helmInstall(helm, kubectl, { ...ref, files, runtime, timeoutMs: cfg.timeout });
    t = phase('helm', t);
    const problem = helmProblem ?? (await waitUntilUsable(kubectl, { ...ref, secret, timeoutMs: cfg.readyTimeout }));
    phase('ready', t);
    if (problem) throw notOkError(`${cfg.release} is not usable [${problem.code}]: ${problem.message}`, problem.fix);

    const durationMs = Math.round(performance.now() - started);
    const status = decision.kind === 'install' ? 'deployed' : 'upgraded';
    conn = report.connection = await connection();
    out.result({
      ok: true,
      status,
      ...report,
      secretCreated: secretState === 'created',
      changes: decision.kind === 'upgrade' ? decision.changes : [],
      timings,
      durationMs,
    });
    out.line(
      `${status} ${cfg.release} in ${cfg.namespace}: chart ${CHART.name} ${CHART.version}, PostgreSQL ${CHART.appVersion} (${(durationMs / 1000).toFixed(1)}s)`,
    );
    out.line(`DATABASE_URL=${conn.url}`);
    out.line(
      `credentials: Secret ${cfg.namespace}/${secret} (keys ${conn.secretKeys.user}, ${conn.secretKeys.admin})${secretState === 'created' ? ', generated now' : ''}`,
    );
    out.line(`local access: ${conn.portForward}`);
    out.verdict(true, `ready: SELECT 1 as ${cfg.user} succeeded`);
    return ExitCode.ok;
  },
);

/** --target local: the same contract (statuses, lines, JSON keys) for a server on this machine. */
async function deployOnThisMachine(cfg: ConfigValues<typeof DEPLOY_OPTIONS>, out: Output): Promise<ExitCodeValue> {
  checkNames({ namespace: cfg.namespace, release: cfg.release, database: cfg.database, user: cfg.user });
  if (cfg.uninstall) {
    const r = await uninstallLocal(cfg);
    out.result({
      ok: true,
      status: r.status,
      release: null,
      namespace: null,
      helmMajor: null,
      deleted: r.deleted,
      kept: r.kept,
    });
    out.line(
      r.kept.length
        ? `kept (the data and its passwords): ${r.kept.join(', ')}`
        : `deleted: ${r.deleted.join(', ') || 'nothing'}`,
    );
    const files = r.deleted.length ? 'its data and passwords are deleted' : 'its data is kept';
    out.verdict(
      true,
      r.status === 'nothing-to-do'
        ? 'no local server runs here: nothing to do'
        : `${r.stopped ? 'the local server is stopped' : 'the local server was not running'}; ${files}`,
    );
    return ExitCode.ok;
  }
  out.progress(`local server in ${cfg.localDir}`);
  const r = await deployLocal(cfg);
  out.result(r.result);
  for (const line of r.lines) out.line(line);
  out.verdict(true, r.verdict);
  return ExitCode.ok;
}
