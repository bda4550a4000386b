// The helm double: Helm 3 or Helm 4 (the version `sim start --helm` chose), against the simulated cluster.
// runHelm serves one call; the entry script and the daemon both use it.
import fs from 'node:fs';
import { key, recordCallEnd, recordCallStart, nowIso, readState, uid, withState } from './state.mjs';
import { FlagError, parseFlags, parseGoDuration } from './flags.mjs';
import { lookupChart, chartDefaults, mergeValues, renderRelease, setValue, CHART_REF } from './chart.mjs';
import { podReady, reconcile } from './cluster.mjs';
import { applyWorkload, removeWorkload, statefulSetUpdateError } from './workload.mjs';

// Set for each call: the daemon serves many calls in one process, strictly one after another.
let dir;
let io;
let state0;
let major;
let TABLE;
const out = (text) => io.out(text);
const err = (text) => io.err(text);
const tables = {};
function flagTable(version) {
  return (tables[version] ??= JSON.parse(
    fs.readFileSync(new URL(`../flags/helm${version}.json`, import.meta.url), 'utf8'),
  ));
}

class HelmError extends Error {}

const GLOBAL_MODELLED = [
  'namespace',
  'kube-context',
  'kubeconfig',
  'debug',
  'burst-limit',
  'qps',
  'registry-config',
  'repository-cache',
  'repository-config',
  'content-cache',
  'color',
  'colour',
];
const COMMANDS = {
  version: { aliases: [], modelled: ['short', 'template'], run: version },
  list: {
    aliases: ['ls'],
    modelled: [
      'output',
      'all',
      'all-namespaces',
      'deployed',
      'failed',
      'pending',
      'superseded',
      'uninstalled',
      'uninstalling',
      'short',
      'no-headers',
      'max',
      'filter',
      'time-format',
    ],
    run: list,
  },
  status: { aliases: [], modelled: ['output', 'revision', 'show-desc'], run: status },
  upgrade: {
    aliases: [],
    modelled: [
      'install',
      'version',
      'values',
      'set',
      'set-string',
      'wait',
      'atomic',
      'rollback-on-failure',
      'timeout',
      'create-namespace',
      'output',
      'reset-values',
      'reuse-values',
      'reset-then-reuse-values',
      'history-max',
      'description',
      'cleanup-on-fail',
      'hide-notes',
      'dry-run',
      'server-side',
      'wait-for-jobs',
    ],
    run: (p) => upgrade(p, false),
  },
  install: {
    aliases: ['i'],
    modelled: [
      'version',
      'values',
      'set',
      'set-string',
      'wait',
      'atomic',
      'rollback-on-failure',
      'timeout',
      'create-namespace',
      'output',
      'description',
      'hide-notes',
      'dry-run',
      'server-side',
      'wait-for-jobs',
    ],
    run: (p) => upgrade(p, true),
  },
  uninstall: {
    aliases: ['un', 'delete', 'del'],
    modelled: ['wait', 'timeout', 'ignore-not-found', 'keep-history', 'cascade', 'description'],
    run: uninstall,
  },
  'get values': { aliases: [], modelled: ['output', 'all', 'revision'], run: getValues },
  history: { aliases: ['hist'], modelled: ['output', 'max'], run: history },
  rollback: {
    aliases: [],
    modelled: ['wait', 'timeout', 'cleanup-on-fail', 'history-max', 'rollback-on-failure', 'force'],
    run: rollback,
  },
};
const NOT_SIMULATED = [
  'template',
  'lint',
  'pull',
  'push',
  'repo',
  'search',
  'show',
  'package',
  'dependency',
  'registry',
  'plugin',
  'env',
  'test',
  'verify',
  'create',
  'completion',
  'get manifest',
  'get notes',
  'get all',
  'get hooks',
  'get metadata',
];

// Where to turn instead, for the commands users' own scripts reach for.
function notSimulatedHint(name) {
  if (['template', 'lint', 'show', 'package', 'dependency'].includes(name))
    return ` (the real helm in node_modules/.cache/real-tools renders and lints the chart)`;
  if (['repo', 'search', 'pull', 'push', 'registry'].includes(name))
    return ` (the simulated cluster serves its charts by OCI reference only: ${CHART_REF})`;
  return '';
}

function flagSpec(name) {
  const spec = {};
  for (const [f, def] of Object.entries(TABLE.global)) spec[f] = { ...def, simulated: GLOBAL_MODELLED.includes(f) };
  for (const [f, def] of Object.entries(TABLE.commands[name]))
    spec[f] = { ...def, simulated: COMMANDS[name].modelled.includes(f) };
  return spec;
}

function resolveCommand(args) {
  const positional = args.filter(
    (a, i) => !a.startsWith('-') && !(i > 0 && /^(-n|--namespace|--kube-context|--kubeconfig)$/.test(args[i - 1])),
  );
  const [first, second] = positional;
  if (first === 'get' && second) {
    const name = `get ${second}`;
    if (COMMANDS[name] || NOT_SIMULATED.includes(name)) return { name, rest: without(args, [first, second]) };
  }
  for (const [name, def] of Object.entries(COMMANDS)) {
    if (name === first || def.aliases.includes(first)) return { name, rest: without(args, [first]) };
  }
  return { name: first ?? null, rest: args };
}

function without(args, words) {
  const out = [...args];
  for (const w of words) out.splice(out.indexOf(w), 1);
  return out;
}

function checkReachable(flags) {
  const s = state0;
  if (flags['kube-context'] && flags['kube-context'] !== s.context) {
    throw new HelmError(
      `Error: ${major === 3 ? 'Kubernetes' : 'kubernetes'} cluster unreachable: context "${flags['kube-context']}" ` +
        `does not exist`,
    );
  }
  if (s.faults.unreachable || s.stopped) {
    const host = new URL(s.server).host;
    throw new HelmError(
      `Error: ${major === 3 ? 'Kubernetes' : 'kubernetes'} cluster unreachable: Get "${s.server}/version": dial ` +
        `tcp ${host}: connect: connection refused`,
    );
  }
}

function version({ flags }) {
  const v = state0.helmVersion;
  const commit = major === 3 ? 'cc0bbbd6d6276b83880042c1ecb34087e84d41eb' : '05fa37973dc9e42b76e1d2883494c87174b6074f';
  const go = major === 3 ? 'go1.23.7' : 'go1.25.9';
  if (flags.template) {
    const fields = {
      Version: `v${v}`,
      GitCommit: commit,
      GitTreeState: 'clean',
      GoVersion: go,
      KubeClientVersion: 'v1.35',
    };
    out(flags.template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, f) => fields[f] ?? '<no value>'));
  } else if (flags.short) out(`v${v}+g${commit.slice(0, 7)}\n`);
  else {
    const extra = major === 4 ? ', KubeClientVersion:"v1.35"' : '';
    out(`version.BuildInfo{Version:"v${v}", GitCommit:"${commit}", GitTreeState:"clean", GoVersion:"${go}"${extra}}\n`);
  }
  return 0;
}

const helmTime = (iso) =>
  iso.replace('T', ' ').replace(/(?:\.(\d+))?Z$/, (_, frac) => `.${(frac ?? '0').padEnd(9, '0')} +0000 UTC`);
const jsonTime = (iso) => iso.replace(/Z$/, '').replace(/(\.\d+)?$/, (m) => `${(m || '.').padEnd(10, '0')}Z`);
const textTime = (iso) =>
  new Date(iso)
    .toUTCString()
    .replace(
      /^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/,
      (_, d, day, mon, y, t) => `${d} ${mon} ${day.padStart(2, ' ')} ${t} ${y}`,
    );

function latest(release) {
  return release.revisions.at(-1);
}

function list({ flags }) {
  checkReachable(flags);
  const namespace = flags.namespace || 'default';
  const wanted = ['deployed', 'failed', 'pending', 'superseded', 'uninstalled', 'uninstalling'].filter((f) => flags[f]);
  const rows = Object.values(state0.releases)
    .filter((r) => flags['all-namespaces'] || r.namespace === namespace)
    .map((r) => ({ r, rev: latest(r) }))
    .filter(({ rev }) => {
      if (flags.all) return true;
      if (wanted.length)
        return wanted.some((w) => (w === 'pending' ? rev.status.startsWith('pending') : rev.status === w));
      // Helm 3 hides pending and superseded releases by default; Helm 4 lists every status.
      return major === 4 || ['deployed', 'failed'].includes(rev.status);
    })
    .filter(({ r }) => !flags.filter || new RegExp(flags.filter).test(r.name));
  if (flags.output === 'json') {
    out(
      `${JSON.stringify(
        rows.map(({ r, rev }) => ({
          name: r.name,
          namespace: r.namespace,
          revision: String(rev.version),
          updated: helmTime(rev.lastDeployed),
          status: rev.status,
          chart: `${rev.chart.name}-${rev.chart.version}`,
          app_version: rev.chart.appVersion,
        })),
      )}\n`,
    );
    return 0;
  }
  if (flags.output && flags.output !== 'table')
    throw new HelmError(`Error: invalid argument "${flags.output}" for "-o, --output" flag: invalid format type`);
  if (flags.short) {
    out(rows.map(({ r }) => `${r.name}\n`).join(''));
    return 0;
  }
  const table = [
    ['NAME', 'NAMESPACE', 'REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION'],
    ...rows.map(({ r, rev }) => [
      r.name,
      r.namespace,
      String(rev.version),
      helmTime(rev.lastDeployed),
      rev.status,
      `${rev.chart.name}-${rev.chart.version}`,
      rev.chart.appVersion,
    ]),
  ];
  out(helmTable(flags['no-headers'] ? table.slice(1) : table, table));
  return 0;
}

// Helm's tables: tab-separated, every cell padded to its column's widest, the last one too.
function helmTable(rows, all = rows) {
  const widths = all[0].map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return rows.map((r) => `${r.map((c, i) => c.padEnd(widths[i])).join('\t')}\n`).join('');
}

function findRelease(namespace, name) {
  return state0.releases[key(namespace, name)];
}

// `helm status -o json` leaves the chart out; install/upgrade -o json include it.
function releaseJson(r, rev, { withChart }) {
  const info = {
    first_deployed: jsonTime(r.revisions[0].lastDeployed),
    last_deployed: jsonTime(rev.lastDeployed),
    ...(major === 3 ? { deleted: '' } : {}),
    description: rev.description,
    status: rev.status,
    notes: rev.notes,
  };
  return {
    name: r.name,
    info,
    ...(withChart ? { chart: chartJson(rev) } : {}),
    config: rev.values ?? {},
    manifest: `---\n# Source: postgresql/templates/primary/statefulset.yaml\n# image: ${rev.image}\n`,
    version: rev.version,
    namespace: r.namespace,
    ...(withChart && major === 4 ? { apply_method: 'ssa' } : {}),
  };
}

function chartJson(rev) {
  return {
    metadata: {
      name: rev.chart.name,
      home: 'https://bitnami.com',
      version: rev.chart.version,
      description:
        'PostgreSQL (Postgres) is an open source object-relational database known for reliability and data ' +
        'integrity. ACID-compliant, it supports foreign keys, joins, views, triggers and stored procedures.',
      apiVersion: 'v2',
      appVersion: rev.chart.appVersion,
      annotations: { category: 'Database', images: `- name: postgresql\n  image: ${rev.image}\n` },
    },
    lock: null,
    templates: [],
    values: chartDefaults({ imageTag: rev.chart.imageTag }),
    schema: null,
    files: [],
  };
}

function printRelease(r, rev, output, { hideNotes = false, showDesc = false, withChart = false } = {}) {
  if (output === 'json') {
    out(`${JSON.stringify(releaseJson(r, rev, { withChart }))}\n`);
    return;
  }
  if (output && output !== 'table')
    throw new HelmError(`Error: invalid argument "${output}" for "-o, --output" flag: invalid format type`);
  const lines = [
    `NAME: ${r.name}`,
    `LAST DEPLOYED: ${textTime(rev.lastDeployed)}`,
    `NAMESPACE: ${r.namespace}`,
    `STATUS: ${rev.status}`,
    `REVISION: ${rev.version}`,
  ];
  if (showDesc || major === 4) lines.push(`DESCRIPTION: ${rev.description}`);
  lines.push('TEST SUITE: None');
  if (!hideNotes && rev.notes) lines.push('NOTES:', rev.notes);
  out(`${lines.join('\n')}\n`);
}

function status({ flags, positionals }) {
  if (positionals.length !== 1)
    throw new HelmError(`Error: "helm status" requires 1 argument\n\nUsage:  helm status RELEASE_NAME [flags]`);
  checkReachable(flags);
  const r = findRelease(flags.namespace || 'default', positionals[0]);
  if (!r) throw new HelmError('Error: release: not found');
  const rev = flags.revision ? r.revisions.find((x) => String(x.version) === flags.revision) : latest(r);
  if (!rev) throw new HelmError('Error: release: not found');
  printRelease(r, rev, flags.output, { showDesc: flags['show-desc'] });
  return 0;
}

async function readValuesFiles(files) {
  let merged = {};
  if (!files?.length) return merged;
  const { YAML } = await import('zx');
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch {
      throw new HelmError(`Error: open ${file}: no such file or directory`);
    }
    let doc;
    try {
      doc = YAML.parse(text) ?? {};
    } catch (err) {
      throw new HelmError(
        `Error: failed to parse ${file}: error converting YAML to JSON: ${err.message.split('\n')[0]}`,
      );
    }
    merged = mergeValues(merged, doc);
  }
  return merged;
}

function notes(chart, rendered, namespace) {
  return `${[
    `CHART NAME: postgresql`,
    `CHART VERSION: ${chart.version}`,
    `APP VERSION: ${chart.appVersion}`,
    '',
    '** Please be patient while the chart is being deployed **',
    '',
    'PostgreSQL can be accessed via port 5432 on the following DNS names from within your cluster:',
    '',
    `    ${rendered.fullname}.${namespace}.svc.cluster.local - Read/Write connection`,
    '',
    `To get the password for "postgres" run:`,
    '',
    `    export POSTGRES_ADMIN_PASSWORD=$(kubectl get secret --namespace ${namespace} ${rendered.secretName} -o ` +
      `jsonpath="{.data.postgres-password}" | base64 -d)`,
  ].join('\n')}\n`;
}

// Go's time.ParseDuration, with its two error texts.
function helmDuration(text, flag) {
  if (/^\d+(\.\d+)?$/.test(text) && Number(text) !== 0)
    throw new HelmError(
      `Error: invalid argument "${text}" for "--${flag}" flag: time: missing unit in duration "${text}"`,
    );
  const ms = parseGoDuration(text);
  if (ms === null)
    throw new HelmError(`Error: invalid argument "${text}" for "--${flag}" flag: time: invalid duration "${text}"`);
  return ms;
}

function waitStrategy(flags) {
  if (major === 3) return flags.wait || flags.atomic ? 'legacy' : null;
  let w = flags.wait ?? (flags['rollback-on-failure'] || flags.atomic ? 'watcher' : 'hookOnly');
  if (w === 'true' || w === 'false') {
    const instead = w === 'true' ? 'watcher' : 'hookOnly';
    err(`level=WARN msg="--wait=${w} is deprecated (boolean value) and can be replaced with --wait=${instead}"\n`);
    w = instead;
  }
  if (!['watcher', 'hookOnly', 'legacy'].includes(w)) {
    throw new HelmError(
      `Error: invalid argument "${w}" for "--wait" flag: invalid wait input "${w}". Valid inputs are watcher, ` +
        `hookOnly, and legacy`,
    );
  }
  return w === 'hookOnly' ? null : w;
}

async function upgrade({ flags, positionals }, installCmd) {
  const verb = installCmd ? 'install' : 'upgrade';
  const install = installCmd || flags.install;
  if (positionals.length !== 2) {
    throw new HelmError(
      `Error: "helm ${verb}" requires 2 arguments\n\nUsage:  helm ${verb} [${installCmd ? 'NAME' : 'RELEASE'}] ` +
        `[CHART] [flags]`,
    );
  }
  const [name, ref] = positionals;
  const namespace = flags.namespace || 'default';
  if (flags.atomic && major === 4) err('Flag --atomic has been deprecated, use --rollback-on-failure instead\n');
  const rollbackOnFailure = Boolean(flags.atomic || flags['rollback-on-failure']);
  const wait = waitStrategy(flags);
  const timeoutMs = helmDuration(flags.timeout ?? '5m0s', 'timeout');
  if (flags['dry-run'] && flags['dry-run'] !== 'none' && flags['dry-run'] !== 'false')
    throw new HelmError('sim: helm --dry-run is not simulated');
  checkReachable(flags);

  const chart = lookupChart(ref, flags.version);
  if (chart.error === 'unknown-chart')
    throw new HelmError(
      `Error: ${ref.startsWith('oci://') ? `${ref.slice(6)}: not found` : `repo ${ref.split('/')[0]} not found`}`,
    );
  if (chart.error === 'unknown-version')
    throw new HelmError(`Error: ${CHART_REF.slice(6)}:${chart.version}: not found`);
  err(`Pulled: ${CHART_REF.slice(6)}:${chart.version}\nDigest: sha256:${chart.digest ?? 'c0ffee'.padEnd(64, '0')}\n`);

  const fileValues = await readValuesFiles(flags.values);
  const setExprs = [...(flags.set ?? []), ...(flags['set-string'] ?? [])].flatMap((s) => s.split(/(?<!\\),/));
  const given = structuredClone(fileValues);
  try {
    for (const e of flags.set ?? []) for (const part of e.split(/(?<!\\),/)) setValue(given, part);
    for (const e of flags['set-string'] ?? [])
      for (const part of e.split(/(?<!\\),/)) setValue(given, part, { string: true });
  } catch (err) {
    throw new HelmError(`Error: ${err.message}`);
  }
  const noValuesGiven = !flags.values?.length && setExprs.length === 0;

  // `upgrade --install` of a new release prints install errors bare; `install` and `upgrade` prefix them.
  const prefix = (fresh) => (installCmd ? 'INSTALLATION FAILED: ' : fresh ? '' : 'UPGRADE FAILED: ');
  let outcome;
  withState(dir, (s) => {
    const k = key(namespace, name);
    const r = s.releases[k];
    const last = r ? latest(r) : null;
    const fresh = !r || r.revisions.every((x) => x.status === 'uninstalled');
    if (last?.status.startsWith('pending-'))
      throw new HelmError(`Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress`);
    if (fresh && !install) throw new HelmError(`Error: UPGRADE FAILED: "${name}" has no deployed releases`);
    if (!installCmd && fresh) out(`Release "${name}" does not exist. Installing it now.\n`);
    if (installCmd && r && !fresh)
      throw new HelmError('Error: INSTALLATION FAILED: cannot re-use a name that is still in use');
    if (!s.namespaces[namespace]) {
      if (flags['create-namespace'] && install) s.namespaces[namespace] = { created: nowIso(), uid: uid() };
      else throw new HelmError(`Error: ${prefix(fresh)}create: failed to create: namespaces "${namespace}" not found`);
    }
    // Helm's defaults: an upgrade with no values reuses the last ones; --reset-values starts over.
    let values = given;
    if (
      !fresh &&
      !flags['reset-values'] &&
      (flags['reuse-values'] || flags['reset-then-reuse-values'] || noValuesGiven)
    ) {
      values = mergeValues(last.values ?? {}, given);
    }
    const rendered = renderRelease({ release: name, chart, values });
    if (rendered.error === 'insecure-images') {
      throw new HelmError(
        `Error: ${prefix(fresh)}execution error at (postgresql/templates/NOTES.txt:123:4): \n\n⚠ ERROR: Original ` +
          `containers have been substituted for unrecognized ones. Deploying this chart with non-standard ` +
          `containers is likely to cause degraded security and performance, broken chart features, and missing ` +
          `environment variables.\n\nUnrecognized images:\n  - ${rendered.image}\n\nIf you are sure you want to ` +
          `proceed with non-standard containers, you can skip container image verification by setting the global ` +
          `parameter 'global.security.allowInsecureImages' to true.\nFurther information can be obtained at ` +
          `https://github.com/bitnami/charts/issues/30850`,
      );
    }
    const at = nowIso();
    const rev = {
      version: (last?.version ?? 0) + 1,
      uid: uid(),
      status: fresh ? 'pending-install' : 'pending-upgrade',
      chart: { name: chart.name, version: chart.version, appVersion: chart.appVersion, imageTag: chart.imageTag },
      image: rendered.image,
      values: Object.keys(values).length ? values : null,
      lastDeployed: at,
      description: fresh ? 'Initial install underway' : 'Preparing upgrade',
      notes: notes(chart, rendered, namespace),
    };
    s.releases[k] = r ?? { name, namespace, revisions: [] };
    s.releases[k].revisions.push(rev);
    // Helm 4 installs with server-side apply and upgrades a release the way it was installed (release.ApplyMethod);
    // Helm 3 always patches client-side.
    rev.applyMethod = fresh ? (major === 4 ? 'ssa' : 'csa') : (last.applyMethod ?? 'csa');
    const apiError = fresh ? null : statefulSetUpdateError(s, { namespace, rendered });
    if (!apiError) {
      applyWorkload(s, dir, { release: name, namespace, rendered });
      reconcile(s, dir);
    }
    // A refused update fails the release before any wait (helm pkg/kube/client.go: updateResource wraps the
    // client-side patch's error as `cannot patch`; patchResourceServerSide returns the API error as it is).
    const applyError =
      apiError &&
      (rev.applyMethod === 'ssa' ? apiError : `cannot patch "${rendered.fullname}" with kind StatefulSet: ${apiError}`);
    outcome = {
      fresh,
      revision: rev.version,
      previous: fresh ? null : last.version,
      pod: `${rendered.fullname}-0`,
      applyError,
    };
  });

  let error = outcome.applyError;
  if (wait && !error) error = await waitForPod(namespace, outcome.pod, timeoutMs);
  // Helm 4's watcher names what was not ready before the deadline.
  if (error && !outcome.applyError && major === 4 && wait === 'watcher') {
    error =
      `resource StatefulSet/${namespace}/${outcome.pod.replace(/-0$/, '')} not ready. status: InProgress, ` +
      `message: Ready: 0/1\n${error}`;
  }
  let message;
  let rolledBack = false;
  withState(dir, (s) => {
    const r = s.releases[key(namespace, name)];
    const rev = r.revisions.find((x) => x.version === outcome.revision);
    if (!error) {
      for (const x of r.revisions) if (x !== rev && x.status === 'deployed') x.status = 'superseded';
      rev.status = 'deployed';
      rev.description = outcome.fresh ? 'Install complete' : 'Upgrade complete';
      return;
    }
    rev.status = 'failed';
    // action/install.go and upgrade.go failRelease word it their own way.
    rev.description = `${outcome.fresh ? 'Release' : 'Upgrade'} "${name}" failed: ${error}`;
    if (!rollbackOnFailure) {
      message = `Error: ${prefix(outcome.fresh)}${error}`;
      return;
    }
    const flag = major === 3 ? 'atomic' : 'rollback-on-failure';
    if (outcome.fresh) {
      removeWorkload(s, dir, { release: name, namespace });
      delete s.releases[key(namespace, name)];
      message =
        `Error: ${prefix(true)}release ${name} failed, and has been uninstalled due to ${flag} being set: ` +
        `${error}`;
      return;
    }
    const target = r.revisions.findLast((x) => x.status === 'deployed' || x.status === 'superseded');
    rollbackTo(s, r, target, `Rollback to ${target.version}`);
    rolledBack = true;
    message =
      `Error: UPGRADE FAILED: release ${name} failed, and has been rolled back due to ${flag} being set: ` + `${error}`;
  });
  // action/upgrade.go failRelease: the rollback waits as the upgrade did (its wait strategy), for the same
  // --timeout again; action/rollback.go marks the new revision failed when that wait runs out.
  if (rolledBack && wait) {
    const rollError = await waitForPod(namespace, outcome.pod, timeoutMs);
    if (rollError) {
      withState(dir, (s) => {
        const last = latest(s.releases[key(namespace, name)]);
        last.status = 'failed';
        last.description = `Release "${name}" failed: ${rollError}`;
      });
      message =
        'Error: UPGRADE FAILED: an error occurred while rolling back the release. original upgrade error: ' +
        `${error}: release ${name} failed: ${rollError}`;
    }
  }
  if (message) throw new HelmError(message);
  const r = readState(dir).releases[key(namespace, name)];
  if (!outcome.fresh && flags.output !== 'json') out(`Release "${name}" has been upgraded. Happy Helming!\n`);
  printRelease(
    r,
    r.revisions.find((x) => x.version === outcome.revision),
    flags.output,
    { hideNotes: flags['hide-notes'], withChart: true },
  );
  return 0;
}

function rollbackTo(s, r, target, description) {
  const rendered = renderRelease({ release: r.name, chart: target.chart, values: target.values ?? {} });
  for (const x of r.revisions) if (x.status === 'deployed') x.status = 'superseded';
  r.revisions.push({
    ...structuredClone(target),
    version: latest(r).version + 1,
    uid: uid(),
    status: 'deployed',
    lastDeployed: nowIso(),
    description,
  });
  applyWorkload(s, dir, { release: r.name, namespace: r.namespace, rendered });
  reconcile(s, dir);
}

async function waitForPod(namespace, podName, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = withState(dir, (s) => {
      reconcile(s, dir);
      const pod = s.pods[key(namespace, podName)];
      return pod ? podReady(s, dir, pod) : false;
    });
    if (ready) return null;
    if (Date.now() >= deadline) return 'context deadline exceeded';
    await new Promise((r) => setTimeout(r, 250));
  }
}

function uninstall({ flags, positionals }) {
  if (!positionals.length)
    throw new HelmError(
      'Error: "helm uninstall" requires at least 1 argument\n\nUsage:  helm uninstall RELEASE_NAME [...] [flags]',
    );
  checkReachable(flags);
  const namespace = flags.namespace || 'default';
  for (const name of positionals) {
    withState(dir, (s) => {
      const r = s.releases[key(namespace, name)];
      if (!r || latest(r).status === 'uninstalled') {
        if (flags['ignore-not-found']) return;
        throw new HelmError(`Error: uninstall: Release not loaded: ${name}: release: not found`);
      }
      removeWorkload(s, dir, { release: name, namespace });
      if (flags['keep-history']) {
        latest(r).status = 'uninstalled';
        latest(r).description = 'Uninstallation complete';
      } else delete s.releases[key(namespace, name)];
    });
    out(`release "${name}" uninstalled\n`);
  }
  return 0;
}

async function getValues({ flags, positionals }) {
  if (positionals.length !== 1)
    throw new HelmError('Error: "helm get values" requires 1 argument\n\nUsage:  helm get values RELEASE_NAME [flags]');
  checkReachable(flags);
  const r = findRelease(flags.namespace || 'default', positionals[0]);
  if (!r) throw new HelmError('Error: release: not found');
  const rev = flags.revision ? r.revisions.find((x) => String(x.version) === flags.revision) : latest(r);
  if (!rev) throw new HelmError('Error: release: not found');
  const values = flags.all ? mergeValues(chartDefaults(rev.chart), rev.values ?? {}) : rev.values;
  if (flags.output === 'json') {
    out(`${JSON.stringify(values)}\n`);
    return 0;
  }
  const { YAML } = await import('zx');
  out(`${flags.all ? 'COMPUTED' : 'USER-SUPPLIED'} VALUES:\n${values ? YAML.stringify(values) : 'null\n'}`);
  return 0;
}

function history({ flags, positionals }) {
  if (positionals.length !== 1)
    throw new HelmError('Error: "helm history" requires 1 argument\n\nUsage:  helm history RELEASE_NAME [flags]');
  checkReachable(flags);
  const r = findRelease(flags.namespace || 'default', positionals[0]);
  if (!r) throw new HelmError('Error: release: not found');
  const revs = r.revisions.slice(-Number(flags.max ?? 256));
  const rows = revs.map((x) => ({
    revision: x.version,
    updated: jsonTime(x.lastDeployed),
    status: x.status,
    chart: `${x.chart.name}-${x.chart.version}`,
    app_version: x.chart.appVersion,
    description: x.description,
  }));
  if (flags.output === 'json') {
    out(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  const table = [
    ['REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION', 'DESCRIPTION'],
    ...revs.map((x) => [
      String(x.version),
      textTime(x.lastDeployed),
      x.status,
      `${x.chart.name}-${x.chart.version}`,
      x.chart.appVersion,
      x.description,
    ]),
  ];
  out(helmTable(table));
  return 0;
}

function rollback({ flags, positionals }) {
  if (!positionals.length)
    throw new HelmError(
      'Error: "helm rollback" requires at least 1 argument\n\nUsage:  helm rollback <RELEASE> [REVISION] [flags]',
    );
  checkReachable(flags);
  const [name, revArg] = positionals;
  withState(dir, (s) => {
    const r = s.releases[key(flags.namespace || 'default', name)];
    if (!r) throw new HelmError('Error: release: not found');
    // action/rollback.go: no pending check (rollback is the way out of an interrupted upgrade); the
    // target is the given revision, else the one before the last; the last becomes superseded.
    const current = latest(r);
    const wanted = revArg ? Number(revArg) : current.version - 1;
    const target = r.revisions.find((x) => x.version === wanted);
    if (!target) throw new HelmError(`Error: release has no ${wanted} version`);
    current.status = 'superseded';
    rollbackTo(s, r, target, `Rollback to ${target.version}`);
  });
  out('Rollback was a success! Happy Helming!\n');
  return 0;
}

async function main(name, rest) {
  if (!name) {
    out('The Kubernetes package manager (simulated)\n');
    return 0;
  }
  if (NOT_SIMULATED.includes(name)) throw new HelmError(`sim: helm ${name} is not simulated${notSimulatedHint(name)}`);
  const cmd = COMMANDS[name];
  if (!cmd) throw new HelmError(`Error: unknown command "${name}" for "helm"\nRun 'helm --help' for usage.`);
  let parsed;
  try {
    parsed = parseFlags(rest, flagSpec(name));
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    if (err.kind === 'not-simulated') throw new HelmError(`sim: helm ${name}: ${err.message}`);
    throw new HelmError(`Error: ${err.message}`);
  }
  return cmd.run(parsed);
}

// Calls the daemon answers itself: quick, read-only, synchronous.
const FAST = ['version', 'list', 'status', 'history'];

// Returns the exit code, or 'fallback' when fastOnly and the call needs its own process.
export async function runHelm(clusterDir, args, streams, { fastOnly = false } = {}) {
  const { name, rest } = resolveCommand(args);
  if (fastOnly && !FAST.includes(name)) return 'fallback';
  dir = clusterDir;
  io = streams;
  state0 = readState(dir);
  major = Number(state0.helmVersion.split('.')[0]);
  TABLE = flagTable(major);
  const call = recordCallStart(dir, { tool: 'helm', argv: args });
  let code = 1;
  try {
    code = await main(name, rest);
  } catch (e) {
    if (e instanceof HelmError) {
      err(`${e.message}\n`);
      code = 1;
    } else {
      err(`sim: helm internal error: ${e.stack}\n`);
      code = 255;
    }
  }
  recordCallEnd(dir, call, code);
  return code;
}
