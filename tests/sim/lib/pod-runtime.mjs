// The simulated kubelet: a pod is a private mount namespace over a per-pod root filesystem, in a network
// namespace of its own (the pod sandbox's: loopback only, kept across container restarts), its data
// volume a size-limited tmpfs, and its container a real PostgreSQL run as an unprivileged user.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { processAlive, statePaths } from './state.mjs';

const POD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'pod');
const ENTER = path.join(POD_DIR, 'enter.sh');

export const POD_PATH = '/opt/bitnami/postgresql/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// The image's own environment (its Dockerfile ENV), under the pod spec's: kubectl exec sessions see it,
// the pod spec does not. PGHOST stands in for the image's libpq, built with /tmp as its socket
// directory (the host's looks in /var/run/postgresql, which would then be the path its errors name).
const IMAGE_LOCALE = 'en_US.UTF-8';
const IMAGE_ENV = { LANG: IMAGE_LOCALE, LANGUAGE: 'en_US:en', PGHOST: '/tmp' };

export function podDir(dir, pod) {
  return path.join(statePaths(dir).pods, pod.namespace, pod.name);
}

export function volumeDir(dir, namespace, pvcName) {
  return path.join(statePaths(dir).volumes, namespace, pvcName);
}

// pg_config is a shell wrapper on Debian (~50 ms): asked once per process.
let binDir;
export function postgresBinDir() {
  return (binDir ??= findPostgresBinDir());
}

function findPostgresBinDir() {
  const fromEnv = process.env.SIM_PG_BINDIR;
  if (fromEnv) return fromEnv;
  const out = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (out.status === 0 && fs.existsSync(path.join(out.stdout.trim(), 'initdb'))) return out.stdout.trim();
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (fs.existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  throw new Error('sim: PostgreSQL server binaries not found (install postgresql, or set SIM_PG_BINDIR)');
}

// Lays out the container's filesystem afresh: emptyDirs start empty on every pod (re)creation.
export function preparePodRoot(dir, pod, secretFiles = {}) {
  const base = podDir(dir, pod);
  const root = path.join(base, 'root');
  fs.rmSync(root, { recursive: true, force: true });
  for (const d of [
    'usr',
    'etc',
    'dev',
    'proc',
    'bitnami/postgresql',
    'opt/bitnami/postgresql/secrets',
    'opt/bitnami/postgresql/conf',
    'opt/bitnami/postgresql/tmp',
    'opt/bitnami/scripts',
    'tmp',
  ]) {
    fs.mkdirSync(path.join(root, d), { recursive: true });
  }
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) {
    if (fs.existsSync(`/${link}`)) fs.symlinkSync(`usr/${link}`, path.join(root, link));
  }
  fs.symlinkSync(postgresBinDir(), path.join(root, 'opt/bitnami/postgresql/bin'));
  // The image's libpq looks for the socket in /tmp; the host build looks in /var/run/postgresql.
  fs.mkdirSync(path.join(root, 'var/run'), { recursive: true });
  fs.symlinkSync('/tmp', path.join(root, 'var/run/postgresql'));
  for (const script of ['entrypoint.sh', 'initdb.sh']) {
    fs.copyFileSync(path.join(POD_DIR, script), path.join(root, 'opt/bitnami/scripts', script));
    fs.chmodSync(path.join(root, 'opt/bitnami/scripts', script), 0o755);
  }
  const { uid, gid } = podUser();
  // Writable by the container user: /tmp and the emptyDirs, as the chart mounts them.
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  for (const d of ['conf', 'tmp']) fs.chownSync(path.join(root, 'opt/bitnami/postgresql', d), uid, gid);
  writePodFiles(dir, pod, secretFiles);
  return root;
}

// The pod sandbox's network namespace, bound to a file in the pod's directory: the container, every exec
// session and port-forward join it, as a real pod's containers share one. Only loopback, brought up.
export function createPodNetwork(dir, pod) {
  const file = podNetworkFile(dir, pod);
  if (isMountPoint(file)) return;
  fs.writeFileSync(file, '');
  run('unshare', [`--net=${file}`, 'ip', 'link', 'set', 'lo', 'up']);
}

export function removePodNetwork(dir, pod) {
  const file = podNetworkFile(dir, pod);
  if (isMountPoint(file)) run('umount', [file]);
}

export function podNetworkFile(dir, pod) {
  return path.join(podDir(dir, pod), 'netns');
}

// Secret volumes and the container's environment, refreshed on every container start.
export function writePodFiles(dir, pod, secretFiles) {
  const base = podDir(dir, pod);
  const secrets = path.join(base, 'root', 'opt/bitnami/postgresql/secrets');
  const { gid } = podUser();
  for (const [file, value] of Object.entries(secretFiles)) {
    const target = path.join(secrets, file);
    fs.rmSync(target, { force: true });
    if (value === null) continue; // the Secret has no such key: no file
    fs.writeFileSync(target, value, { mode: 0o440 });
    fs.chownSync(target, 0, gid);
  }
  const env = Object.entries({ ...IMAGE_ENV, ...pod.env, ...localeFallback() }).map(([k, v]) => `${k}=${v}`);
  fs.writeFileSync(path.join(base, 'env'), `${env.join('\n')}\n`);
}

let localeKnown;
// A machine without the image's locale (tests/setup-machine generates it) runs the pods in C.UTF-8:
// initdb would refuse a locale the machine does not have.
function hostHasImageLocale() {
  if (localeKnown === undefined) {
    const out = spawnSync('locale', ['-a'], { encoding: 'utf8' });
    localeKnown = out.status === 0 && /^en_US\.utf-?8$/im.test(out.stdout);
  }
  return localeKnown;
}
function localeFallback() {
  return hostHasImageLocale() ? {} : { LC_ALL: 'C.UTF-8' };
}

// initdb takes ~1 s, and the test suite deploys a fresh pod a hundred-odd times. Its output for the
// same binaries, user and flags is made once per machine and copied by each first boot, which then
// sets the superuser's password itself. Null (the pod runs initdb) if making it fails.
const TEMPLATE_FORMAT = 1;
/** Its name on the volume (the entrypoint's `template`). */
const INITDB_TEMPLATE = '.sim-initdb-template';
function initdbTemplate() {
  const { uid, gid } = podUser();
  const bin = postgresBinDir();
  const script = fs.readFileSync(path.join(POD_DIR, 'initdb.sh'));
  const key = createHash('sha256')
    .update(`${TEMPLATE_FORMAT}\0${bin}\0${uid}:${gid}\0${hostHasImageLocale()}\0`)
    .update(script)
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), `pgk8s-sim-initdb-${key}`);
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const work = fs.mkdtempSync(`${dir}.making-`);
  try {
    fs.chownSync(work, uid, gid);
    const pw = path.join(work, 'pw');
    fs.writeFileSync(pw, 'template\n');
    fs.chownSync(pw, uid, gid);
    const out = spawnSync('sh', [path.join(POD_DIR, 'initdb.sh'), path.join(work, 'data'), pw], {
      uid,
      gid,
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, LANG: IMAGE_LOCALE, ...localeFallback() },
    });
    if (out.status !== 0) return null;
    // Another process may have made it meanwhile: theirs is as good.
    try {
      fs.renameSync(path.join(work, 'data'), dir);
    } catch {}
    return fs.existsSync(path.join(dir, 'PG_VERSION')) ? dir : null;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

let cachedUser;
export function podUser() {
  if (cachedUser) return cachedUser;
  const name = process.env.SIM_POD_USER || 'postgres';
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0) throw new Error(`sim: user "${name}" missing (install postgresql, or set SIM_POD_USER)`);
  cachedUser = { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
  return cachedUser;
}

function enterArgs(dir, pod, command, { exec = false } = {}) {
  const base = podDir(dir, pod);
  const volume = pod.volume ? volumeDir(dir, pod.namespace, pod.volume) : '-';
  return [
    `--net=${podNetworkFile(dir, pod)}`,
    'unshare',
    '-m',
    '--propagation',
    'private',
    'sh',
    ENTER,
    path.join(base, 'root'),
    volume,
    path.join(base, 'env'),
    exec ? execPasswd(dir) : '-',
    '--',
    ...command,
  ];
}

// The host's /etc/passwd without the container user: what an exec session of the real image sees for
// uid 1001 (libpq without a user then fails "local user with ID 1001 does not exist").
function execPasswd(dir) {
  const file = path.join(dir, 'exec-passwd');
  if (!fs.existsSync(file)) {
    const { uid } = podUser();
    const lines = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
    fs.writeFileSync(file, lines.filter((l) => l.split(':')[2] !== String(uid)).join('\n'), { mode: 0o644 });
  }
  return file;
}

export function startContainer(dir, pod) {
  const base = podDir(dir, pod);
  // A first boot finds the template beside the data directory, on the same volume, and renames it.
  const volume = pod.volume ? volumeDir(dir, pod.namespace, pod.volume) : null;
  if (volume) {
    const template = path.join(volume, INITDB_TEMPLATE);
    fs.rmSync(template, { recursive: true, force: true });
    const made = fs.existsSync(path.join(volume, 'data', 'PG_VERSION')) ? null : initdbTemplate();
    // A volume too small for it gets none: the pod's own initdb then meets the same full disk.
    if (made && spawnSync('cp', ['-a', made, template]).status !== 0)
      fs.rmSync(template, { recursive: true, force: true });
  }
  const log = fs.openSync(path.join(base, 'container.log'), 'a');
  const child = spawn('nsenter', enterArgs(dir, pod, ['/opt/bitnami/scripts/entrypoint.sh']), {
    env: podEnterEnv(pod),
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  fs.closeSync(log);
  return child.pid;
}

// A new container instance keeps the previous one's log for `kubectl logs --previous`.
export function rotateContainerLog(dir, pod) {
  const base = podDir(dir, pod);
  const current = path.join(base, 'container.log');
  if (fs.existsSync(current)) fs.renameSync(current, path.join(base, 'previous.log'));
}

export function stopContainer(pod, graceMs = 10_000) {
  if (!processAlive(pod.pid)) return;
  // Fast shutdown, as the chart's preStop does, then the kubelet's SIGKILL after the grace period.
  try {
    process.kill(pod.pid, 'SIGINT');
  } catch {}
  const deadline = Date.now() + graceMs;
  while (processAlive(pod.pid) && Date.now() < deadline) sleep(20);
  if (processAlive(pod.pid))
    try {
      process.kill(pod.pid, 'SIGKILL');
    } catch {}
  waitGone(pod.pid);
}

// Until the process is reaped, not just dead: a zombie still holds its PID, and PostgreSQL's
// postmaster.pid check would take it for a live server.
export function waitGone(pid, ms = 5000) {
  const deadline = Date.now() + ms;
  while (pid && fs.existsSync(`/proc/${pid}`) && Date.now() < deadline) sleep(10);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleep(ms) {
  Atomics.wait(sleeper, 0, 0, ms);
}

// The chart's readiness probe: `pg_isready -h 127.0.0.1 -p 5432` (the server accepts connections on TCP in
// the pod's network) and the image's `.initialized` mark in the tmp emptyDir or on the volume.
export function containerReady(dir, pod) {
  if (!processAlive(pod.pid) || !pod.volume) return false;
  const volume = volumeDir(dir, pod.namespace, pod.volume);
  const marked = [path.join(podDir(dir, pod), 'root', 'opt/bitnami/postgresql/tmp'), volume].some((d) =>
    fs.existsSync(path.join(d, '.initialized')),
  );
  try {
    const lines = fs.readFileSync(path.join(volume, 'data', 'postmaster.pid'), 'utf8').split('\n');
    return marked && lines[7]?.trim() === 'ready' && listensOnLoopback(pod.pid, 5432);
  } catch {
    return false;
  }
}

// /proc/PID/net/tcp lists the sockets of PID's network namespace: a LISTEN (0A) socket on the port, bound
// to 0.0.0.0 or 127.0.0.1, answers 127.0.0.1.
function listensOnLoopback(pid, port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const table = fs.readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1);
  return table.some((row) => {
    const [, local, , state] = row.trim().split(/\s+/);
    return state === '0A' && [`00000000:${hexPort}`, `0100007F:${hexPort}`].includes(local);
  });
}

export function commandExistsInPod(dir, pod, command) {
  if (command.includes('/')) return fs.existsSync(resolveInRoot(dir, pod, command));
  return POD_PATH.split(':').some((d) => fs.existsSync(resolveInRoot(dir, pod, path.join(d, command))));
}

function resolveInRoot(dir, pod, p) {
  const root = path.join(podDir(dir, pod), 'root');
  // The pod's /usr, /etc are the host's; /opt/bitnami/postgresql/bin is a symlink in the pod's root
  // to the host's binaries, followed as it is (asking pg_config cost ~50 ms on every exec).
  if (/^\/(usr|etc|bin|sbin|lib)/.test(p)) return p;
  return path.join(root, p);
}

// Runs COMMAND in the pod. Returns the spawned child; the caller wires the streams.
export function spawnInPod(dir, pod, command, stdio) {
  return spawn('nsenter', enterArgs(dir, pod, command, { exec: true }), { stdio, env: podEnterEnv(pod) });
}

// What enter.sh needs beyond its arguments: the node architecture `uname -m` reports, when set.
function podEnterEnv(pod) {
  return pod.arch ? { ...process.env, SIM_NODE_ARCH: pod.arch } : process.env;
}

// bytes null: a plain directory on this machine's disk (a hostPath volume), no size of its own.
export function mountVolume(dir, namespace, pvcName, bytes) {
  const target = volumeDir(dir, namespace, pvcName);
  fs.mkdirSync(target, { recursive: true });
  if (bytes === null) {
    const { uid, gid } = podUser();
    fs.chmodSync(target, 0o775);
    fs.chownSync(target, uid, gid);
  } else if (!isMountPoint(target)) {
    run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0775`, `sim-${pvcName}`, target]);
    const { uid, gid } = podUser();
    fs.chownSync(target, uid, gid); // the chart's fsGroup makes the volume the container user's
  }
  return target;
}

export function resizeVolume(dir, namespace, pvcName, bytes) {
  if (!isMountPoint(volumeDir(dir, namespace, pvcName))) return; // a directory has no size to change
  run('mount', ['-o', `remount,size=${bytes}`, volumeDir(dir, namespace, pvcName)]);
}

export function unmountVolume(dir, namespace, pvcName) {
  const target = volumeDir(dir, namespace, pvcName);
  if (isMountPoint(target)) run('umount', ['-l', target]);
  fs.rmSync(target, { recursive: true, force: true });
}

export function volumeUsage(dir, namespace, pvcName) {
  const s = fs.statfsSync(volumeDir(dir, namespace, pvcName));
  return { total: s.blocks * s.bsize, free: s.bavail * s.bsize };
}

export function isMountPoint(target) {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8');
  const escaped = target.replace(/ /g, '\\040');
  return mounts.split('\n').some((line) => line.split(' ')[1] === escaped);
}

export function mountedVolumesUnder(dir) {
  return mountsUnder(statePaths(dir).volumes);
}

export function podNetworksUnder(dir) {
  return mountsUnder(statePaths(dir).pods).filter((m) => path.basename(m) === 'netns');
}

function mountsUnder(top) {
  const prefix = `${top}/`;
  return fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((m) => m?.startsWith(prefix));
}

function run(cmd, args) {
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`sim: ${cmd} ${args.join(' ')} failed: ${out.stderr.trim()}`);
}

// Every process a pod ever ran carries SIM_CLUSTER (and SIM_POD_UID) in its environment: stop
// finds them all by it, and a container's death takes its other processes along, as its cgroup would.
export function clusterProcesses(dir) {
  return processesWith(`SIM_CLUSTER=${path.resolve(dir)}`);
}

export function killPodProcesses(pod) {
  const pids = processesWith(`SIM_POD_UID=${pod.uid}`);
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  for (const pid of pids) waitGone(pid);
}

function processesWith(variable) {
  const marker = Buffer.from(`\0${variable}\0`);
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (Buffer.concat([Buffer.from([0]), fs.readFileSync(`/proc/${entry}/environ`)]).includes(marker))
        pids.push(Number(entry));
    } catch {}
  }
  return pids;
}
