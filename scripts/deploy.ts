// deploy.ts: put PostgreSQL on the cluster (Bitnami chart and image pinned together), with its own
// namespace, persistent volume and generated credentials; safe to run again and again.
import { secretNameOf } from './lib/cluster/app-options.ts';
import { CHART } from './lib/deploy/chart-pin.ts';
import { createClusterTools } from './lib/cluster/tools.ts';
import { readConnection } from './lib/cluster/app-connection.ts';
import { ensureCredentialsSecret, ensureNamespace } from './lib/deploy/credentials-secret.ts';
import { decideDeploy, refuseBlocked } from './lib/deploy/decision.ts';
import { DEPLOY_OPTIONS } from './lib/deploy/options.ts';
import { desiredValues, runtimeValues, valuesFiles } from './lib/deploy/values.ts';
import { notOkError, usageError } from './lib/cli/errors.ts';
import { helmInstall, helmWait, installArgs } from './lib/deploy/helm-install.ts';
import { deployOnThisMachine } from './lib/deploy/on-this-machine.ts';
import { reportDryRun, reportExisting, reportInstalled, reportUninstalled } from './lib/deploy/report.ts';
import { waitUntilUsable } from './lib/target/pod-health.ts';
import { checkCluster, checkNames } from './lib/cluster/preflight.ts';
import { readInstalledRelease } from './lib/deploy/release-reader.ts';
import { phaseClock } from './lib/cli/phase-clock.ts';
import { runScript } from './lib/cli/run-script.ts';
import { ExitCode } from './lib/cli/exit-codes.ts';
import { undeploy, undeployChoices } from './lib/deploy/undeploy.ts';
import { startDeadline } from './lib/cli/deadline.ts';
import { rerunWithTimeout, UPGRADE_CMD } from './lib/deploy/rerun-commands.ts';
import { chartNames } from './lib/cluster/chart-names.ts';
import { planStorage, refuseStorageChange, volumeSpec } from './lib/deploy/storage-plan.ts';
import { applyStoragePlan, readLiveVolume } from './lib/deploy/volume-change.ts';

await runScript(
  {
    command: 'npm run -s db:deploy --',
    summary:
      `Deploy PostgreSQL (chart ${CHART.name} ${CHART.version}, PostgreSQL ${CHART.appVersion}) ` +
      'into its own namespace. A second run changes nothing; a changed configuration is applied with --upgrade.',
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
    // Preflight, the volume's resize, helm's wait and the ready check share the one limit.
    const deadline = startDeadline(cfg.timeout);
    const clock = phaseClock();
    const secret = secretNameOf(cfg);
    checkNames({ ...cfg, secret });
    const files = valuesFiles(cfg.overlay);
    const { kubectl, helm } = createClusterTools(cfg);

    out.progress('preflight: kubectl, helm, cluster, storage');
    const facts = await checkCluster({ kubectl, helm, context: cfg.context, storageClass: cfg.storageClass });
    clock.mark('preflight');
    out.progress(
      `kubectl ${facts.kubectlVersion}, helm ${facts.helmVersion}, cluster ${facts.serverVersion} ` +
        `(context ${facts.context}), StorageClass ${facts.storageClass}`,
    );
    const ref = { release: cfg.release, namespace: cfg.namespace, helmMajor: facts.helmMajor };
    const installed = await readInstalledRelease(helm, ref);

    if (cfg.uninstall) {
      const r = await undeploy(helm, kubectl, {
        ...ref,
        secret,
        context: facts.context,
        ...undeployChoices(cfg),
        releasePresent: installed !== null,
      });
      reportUninstalled(out, r, ref);
      return ExitCode.ok;
    }

    const volume = { namespace: cfg.namespace, names: chartNames(cfg.release), ...facts };
    const live = await readLiveVolume(kubectl, volume);
    // Without --storage-class, the data keeps the class its claim has, whatever the cluster's default is now.
    const storageClass = cfg.storageClass ?? (live.claim?.storageClass || facts.storageClass);
    const runtime = runtimeValues({ ...cfg, secret, storageClass });
    const desired = {
      chartVersion: CHART.version,
      appVersion: CHART.appVersion,
      values: desiredValues(files, runtime),
    };
    const decision = decideDeploy(installed, desired, cfg);
    const storage = planStorage(live, volumeSpec(desired.values));
    if (storage.kind === 'refuse') refuseStorageChange(storage, { ...cfg, deployArgs: process.argv.slice(2) });
    const connection = () => readConnection(kubectl, { ...cfg, secret });
    const tools = { kubectl: facts.kubectlVersion, helm: facts.helmVersion, server: facts.serverVersion };
    const report = {
      release: cfg.release,
      namespace: cfg.namespace,
      context: facts.context,
      chart: CHART,
      tools,
      connection: await connection(),
    };

    refuseBlocked(decision, { ...ref, timeoutMs: cfg.timeout });
    if (cfg.dryRun) {
      const plan = {
        decision,
        storage,
        helmArgs: installArgs({ ...ref, files, runtime, timeoutMs: cfg.timeout }, '<runtime-values.json>'),
        values: desired.values,
      };
      reportDryRun(out, report, plan);
      return ExitCode.ok;
    }
    if (decision.kind === 'up-to-date' || decision.kind === 'differs') {
      // Up to date is only worth saying if it also works: same check as after an install.
      const readyMs = Math.min(cfg.readyTimeout, deadline.leftMs(1000));
      const problem = await waitUntilUsable(kubectl, { ...ref, secret, timeoutMs: readyMs });
      if (problem)
        throw notOkError(
          `${cfg.release} is deployed but not usable [${problem.code}]: ${problem.message}`,
          problem.fix,
        );
      reportExisting(out, report, decision, UPGRADE_CMD);
      return ExitCode.ok;
    }

    await ensureNamespace(kubectl, { namespace: cfg.namespace, context: facts.context });
    const secretState = await ensureCredentialsSecret(kubectl, {
      name: secret,
      namespace: cfg.namespace,
      release: cfg.release,
      context: facts.context,
    });
    clock.mark('credentials');
    await applyStoragePlan(kubectl, storage, { ...volume, timeoutMs: deadline.leftMs(1000), out });
    const helmCall = `helm upgrade --install ${cfg.release} (chart ${CHART.version}, helm ${facts.helmVersion})`;
    const wait = helmWait(deadline, decision.kind === 'upgrade', rerunWithTimeout(cfg.timeout * 2));
    out.progress(`${helmCall}; ${wait.says}`);
    const helmProblem = await helmInstall(helm, kubectl, { ...ref, files, runtime, timeoutMs: wait.timeoutMs });
    clock.mark('helm');
    const readyMs = Math.min(cfg.readyTimeout, deadline.leftMs(1000));
    const problem = helmProblem ?? (await waitUntilUsable(kubectl, { ...ref, secret, timeoutMs: readyMs }));
    clock.mark('ready');
    if (problem) throw notOkError(`${cfg.release} is not usable [${problem.code}]: ${problem.message}`, problem.fix);

    report.connection = await connection();
    reportInstalled(out, report, {
      status: decision.kind === 'install' ? 'deployed' : 'upgraded',
      user: cfg.user,
      secretCreated: secretState === 'created',
      changes: decision.kind === 'upgrade' ? decision.changes : [],
      timings: clock.timings,
      durationMs: clock.totalMs(),
    });
    return ExitCode.ok;
  },
);
