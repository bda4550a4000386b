// `tests/sim/sim`: start, stop and break a simulated cluster whose state lives in a directory.
import fs from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newState, readState, statePaths, withState } from './lib/state.mjs';
import { applyDiskFault, reconcile } from './lib/cluster.mjs';
import {
  clusterProcesses,
  mountedVolumesUnder,
  podNetworksUnder,
  podUser,
  postgresBinDir,
  sleep,
  unmountVolume,
} from './lib/pod-runtime.mjs';
import { processAlive } from './lib/state.mjs';

const SIM_ROOT = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: tests/sim/sim start DIR [--helm 3|4] [--context NAME] [--arch x86_64|aarch64|armv7l]
       tests/sim/sim fault DIR NAME [VALUE]
       tests/sim/sim clear DIR [NAME]
       tests/sim/sim status DIR
       tests/sim/sim stop DIR

faults: ${'' /* filled below */}`;

// name → { value: how VALUE is read, apply(state, dir, value), clear(state, dir) }
const FAULTS = {
  unreachable: { help: 'API server refuses connections (kubectl and helm fail as they do for a stopped cluster)' },
  'no-default-storageclass': {
    help: 'no StorageClass is marked default: new class-less PVCs stay Pending',
    apply: (s) => {
      for (const sc of Object.values(s.storageClasses)) sc.default = false;
    },
    clear: (s) => {
      if (s.storageClasses.standard) s.storageClasses.standard.default = true;
    },
  },
  'provisioner-down': {
    help: 'the StorageClass exists but its provisioner does not run: PVCs stay Pending (ExternalProvisioning)',
  },
  'image-pull': { help: 'the registry has no manifest for the pod image: ErrImagePull, then ImagePullBackOff' },
  'pull-rate-limit': {
    help: 'Docker Hub refuses anonymous pulls (429 toomanyrequests); images from another registry still pull',
  },
  'crash-loop': { help: 'the container exits at start: CrashLoopBackOff, restarts, last log lines' },
  oom: { help: 'the container is OOMKilled (exit 137): CrashLoopBackOff' },
  'not-ready': { help: 'the container runs but PostgreSQL does not answer: Running, not Ready' },
  'release-failed': {
    help: "the release's last revision has status failed",
    apply: (s) => setReleaseStatus(s, 'failed'),
    clear: (s) => setReleaseStatus(s, 'deployed'),
  },
  'release-pending-upgrade': {
    help: 'an upgrade was killed mid-way: a last revision stuck in pending-upgrade (helm rollback clears it)',
    apply: (s) => {
      for (const r of Object.values(s.releases)) {
        const last = r.revisions.at(-1);
        if (!last || last.status.startsWith('pending-')) continue;
        r.revisions.push({
          ...structuredClone(last),
          version: last.version + 1,
          status: 'pending-upgrade',
          description: 'Preparing upgrade',
          // Killed an hour ago: longer than any upgrade's timeout, so nothing is still at work on it.
          lastDeployed: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
        });
      }
    },
    clear: (s) => {
      for (const r of Object.values(s.releases))
        r.revisions = r.revisions.filter((x) => x.status !== 'pending-upgrade');
    },
  },
  'resize-stuck': {
    help: 'a grown claim stays at its old capacity (the resizer or kubelet never finishes): condition Resizing',
  },
  'exec-cut': { help: 'VALUE=N: kubectl exec stops after N bytes in either direction and exits 0', value: 'bytes' },
  'max-connections': {
    help: 'VALUE=N (default 5): PostgreSQL restarts with max_connections=N',
    value: 'count',
    default: '5',
  },
  'disk-full': {
    help: 'VALUE=percent used (default 97): the data volume shrinks to that fill level',
    value: 'percent',
    default: '97',
    apply: (s, dir, v) => applyDiskFault(s, dir, Number(v)),
    clear: (s, dir) => applyDiskFault(s, dir, null),
  },
};

function setReleaseStatus(state, status) {
  for (const r of Object.values(state.releases)) {
    const last = r.revisions.at(-1);
    if (last) last.status = status;
  }
}

function fail(message, code = 2) {
  process.stderr.write(`sim: ${message}\n`);
  process.exit(code);
}

function start(dir, opts) {
  if (process.getuid() !== 0)
    fail('the simulated cluster needs root (mount namespaces, tmpfs volumes, PostgreSQL run as the postgres user)');
  podUser();
  postgresBinDir();
  const paths = statePaths(dir);
  if (fs.existsSync(paths.file) && !readState(dir).stopped)
    fail(`a simulated cluster already runs in ${dir} (run: tests/sim/sim stop ${dir})`);
  fs.mkdirSync(paths.bin, { recursive: true });
  const helmMajor = opts.helm ?? process.env.SIM_HELM ?? '4';
  if (!['3', '4'].includes(helmMajor)) fail(`--helm must be 3 or 4, not "${helmMajor}"`);
  // The node's `uname -m` as pods see it (an arm64 node: aarch64); the host's binaries still run.
  const arch = opts.arch ?? process.env.SIM_NODE_ARCH ?? null;
  if (arch !== null && !['x86_64', 'aarch64', 'armv7l'].includes(arch))
    fail(`--arch must be x86_64, aarch64 or armv7l, not "${arch}"`);
  const state = newState({
    nodeArch: arch,
    context: opts.context ?? 'minikube',
    server: 'https://192.168.49.2:8443',
    helmVersion: helmMajor === '3' ? '3.17.3' : '4.1.4',
    kubectlVersion: '1.33.9',
    serverVersion: '1.33.1',
  });
  fs.writeFileSync(paths.file, JSON.stringify(state, null, 1));
  fs.writeFileSync(paths.calls, '');
  const abs = path.resolve(dir);
  const port = startDaemon(abs);
  const template = fs.readFileSync(path.join(SIM_ROOT, 'wrapper.sh.tmpl'), 'utf8');
  for (const tool of ['kubectl', 'helm']) {
    const text = template
      .replaceAll('@TOOL@', tool)
      .replaceAll('@DIR@', abs)
      .replaceAll('@PORT@', port)
      .replaceAll('@SIMROOT@', SIM_ROOT);
    fs.writeFileSync(path.join(paths.bin, tool), text, { mode: 0o755 });
  }
  fs.writeFileSync(path.join(abs, 'kubeconfig'), kubeconfig(state), { mode: 0o600 });
  process.stdout.write(
    `export PATH='${paths.bin}':"$PATH"\nexport KUBECONFIG='${abs}/kubeconfig'\nexport SIM_CLUSTER_DIR='${abs}'\n`,
  );
}

// The daemon carries SIM_CLUSTER like every pod process, so `stop` ends it with them.
function startDaemon(abs) {
  const portFile = path.join(abs, 'daemon.port');
  fs.rmSync(portFile, { force: true });
  const log = fs.openSync(path.join(abs, 'daemon.log'), 'a');
  const child = spawn(process.execPath, [path.join(SIM_ROOT, 'daemon.mjs'), abs], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, SIM_CLUSTER: abs },
  });
  child.unref();
  fs.closeSync(log);
  const deadline = Date.now() + 10_000;
  while (!fs.existsSync(portFile)) {
    if (Date.now() > deadline || !processAlive(child.pid)) fail(`the daemon did not start (see ${abs}/daemon.log)`, 3);
    sleep(10);
  }
  return fs.readFileSync(portFile, 'utf8');
}

function kubeconfig(state) {
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': state.context,
      clusters: [{ name: state.context, cluster: { server: state.server } }],
      contexts: [{ name: state.context, context: { cluster: state.context, user: state.context } }],
      users: [{ name: state.context, user: {} }],
    },
    null,
    2,
  )}\n`;
}

function stop(dir) {
  if (!fs.existsSync(statePaths(dir).file)) return;
  // Mark it stopped first so no double restarts a server while we take them down.
  withState(dir, (s) => {
    s.stopped = true;
  });
  for (const signal of ['SIGINT', 'SIGKILL']) {
    const pids = clusterProcesses(dir);
    for (const pid of pids)
      try {
        process.kill(pid, signal);
      } catch {}
    const deadline = Date.now() + 10_000;
    while (pids.some(processAlive) && Date.now() < deadline) sleep(20);
    if (!pids.some(processAlive)) break;
  }
  withState(dir, (s) => {
    for (const pod of Object.values(s.pods)) pod.container = null;
  });
  for (const netns of podNetworksUnder(dir)) spawnSync('umount', [netns]);
  for (const mount of mountedVolumesUnder(dir)) {
    const [namespace, pvc] = path.relative(statePaths(dir).volumes, mount).split(path.sep);
    unmountVolume(dir, namespace, pvc);
  }
  const left = clusterProcesses(dir);
  if (left.length) fail(`processes still running after stop: ${left.join(' ')}`, 3);
}

function fault(dir, name, value) {
  const def = FAULTS[name];
  if (!def) fail(`unknown fault "${name}" (known: ${Object.keys(FAULTS).join(', ')})`);
  const v = value ?? def.default ?? true;
  if (def.value && (v === true || !/^\d+$/.test(String(v))))
    fail(`fault ${name} needs a whole number VALUE (${def.value})`);
  if (name === 'max-connections' && Number(v) < 5)
    fail('max-connections must be at least 5 (3 slots stay reserved for superusers)');
  withState(dir, (s) => {
    s.faults[name] = v;
    def.apply?.(s, dir, v);
    reconcile(s, dir);
  });
}

function clear(dir, name) {
  if (name && !FAULTS[name]) fail(`unknown fault "${name}" (known: ${Object.keys(FAULTS).join(', ')})`);
  withState(dir, (s) => {
    for (const n of name ? [name] : Object.keys(s.faults)) {
      if (!(n in s.faults)) continue;
      delete s.faults[n];
      FAULTS[n].clear?.(s, dir);
    }
    reconcile(s, dir);
  });
}

function status(dir) {
  const s = readState(dir);
  const pods = Object.values(s.pods).map(
    (p) => `${p.namespace}/${p.name} pid=${p.container?.pid ?? '-'} restarts=${p.restartCount}`,
  );
  process.stdout.write(
    `${JSON.stringify(
      {
        stopped: Boolean(s.stopped),
        context: s.context,
        helm: s.helmVersion,
        faults: s.faults,
        releases: Object.keys(s.releases),
        pods,
        processes: clusterProcesses(dir).length,
      },
      null,
      2,
    )}\n`,
  );
}

const [verb, dir, ...rest] = process.argv.slice(2);
if (!verb || verb === '--help' || verb === '-h') {
  process.stdout.write(
    USAGE +
      '\n' +
      Object.entries(FAULTS)
        .map(([n, f]) => `  ${n.padEnd(24)} ${f.help}`)
        .join('\n') +
      '\n',
  );
  process.exit(verb ? 0 : 2);
}
if (!dir) fail(`${verb} needs DIR\n${USAGE}`);
if (verb !== 'start' && verb !== 'stop' && !fs.existsSync(statePaths(dir).file)) {
  fail(`no simulated cluster in ${dir} (run: tests/sim/sim start ${dir})`);
}
switch (verb) {
  case 'start': {
    const opts = {};
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--helm') opts.helm = rest[++i];
      else if (rest[i] === '--context') opts.context = rest[++i];
      else if (rest[i] === '--arch') opts.arch = rest[++i];
      else fail(`unknown option ${rest[i]}`);
    }
    start(dir, opts);
    break;
  }
  case 'stop':
    stop(dir);
    break;
  case 'fault':
    fault(dir, rest[0], rest[1]);
    break;
  case 'clear':
    clear(dir, rest[0]);
    break;
  case 'status':
    status(dir);
    break;
  default:
    fail(`unknown command "${verb}"\n${USAGE}`);
}
