// The simulated cluster's state: one JSON file per cluster directory, read and written under a lock.
import fs from 'node:fs';
import path from 'node:path';

export const STATE_VERSION = 1;

export function statePaths(dir) {
  return {
    dir,
    file: path.join(dir, 'state.json'),
    lock: path.join(dir, 'state.lock'),
    calls: path.join(dir, 'calls.jsonl'),
    bin: path.join(dir, 'bin'),
    pods: path.join(dir, 'pods'),
    volumes: path.join(dir, 'volumes'),
  };
}

export function newState({ context, server, helmVersion, kubectlVersion, serverVersion, nodeArch = null }) {
  const now = new Date().toISOString();
  return {
    version: STATE_VERSION,
    nodeArch,
    context,
    server,
    helmVersion,
    kubectlVersion,
    serverVersion,
    clock: 0,
    namespaces: {
      default: { created: now, uid: uid() },
      'kube-system': { created: now, uid: uid() },
    },
    storageClasses: {
      standard: { created: now, provisioner: 'k8s.io/minikube-hostpath', default: true, uid: uid(), builtin: true },
    },
    secrets: {},
    pvcs: {},
    pods: {},
    releases: {},
    events: [],
    faults: {},
  };
}

export function readState(dir) {
  const { file } = statePaths(dir);
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`sim: no simulated cluster in ${dir} (run: tests/sim/sim start ${dir})`);
  }
  return JSON.parse(text);
}

export function writeState(dir, state) {
  const { file } = statePaths(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 1));
  fs.renameSync(tmp, file);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms) {
  Atomics.wait(sleeper, 0, 0, ms);
}

// Several doubles can run at once (an exec next to a get); every read-modify-write holds the lock.
export function withState(dir, fn) {
  const { lock } = statePaths(dir);
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      breakStaleLock(lock);
      if (Date.now() > deadline) throw new Error(`sim: state lock ${lock} held too long`);
      sleepMs(5);
    }
  }
  try {
    const state = readState(dir);
    const result = fn(state);
    writeState(dir, state);
    return result;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function breakStaleLock(lock) {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    return; // being created right now, or just released
  }
  if (pid && !processAlive(pid)) fs.rmSync(lock, { recursive: true, force: true });
}

export function processAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is dead for our purposes.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

// A call is recorded when it starts, with a placeholder exit that its end overwrites in place (same
// length: the code, then spaces JSON ignores). A call killed before it ends keeps "running:…", so the
// log never undercounts. One O_APPEND write per line keeps concurrent calls' lines whole.
export function recordCallStart(dir, record, counters = []) {
  const id = `${process.pid}:${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
  const token = `"running:${id}"`;
  // Counters known only at the end (an exec's bytes) get a placeholder of their own, filled the same way.
  const fields = counters.map((name) => `,"${name}":"${name}:${id}"`).join('');
  const line = `${JSON.stringify(record).slice(0, -1)}${fields},"exit":${token}}\n`;
  fs.appendFileSync(statePaths(dir).calls, line);
  return token;
}

export function recordCallEnd(dir, token, exit, counts = {}) {
  const file = statePaths(dir).calls;
  let text = '';
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch {
    return; // the log was removed meanwhile: nothing to finish
  }
  const at = text.lastIndexOf(token);
  if (at < 0) return; // emptied by a test since the call started
  const id = token.slice('"running:'.length, -1);
  const writes = [[at, String(exit).padEnd(token.length, ' ')]];
  for (const [name, value] of Object.entries(counts)) {
    const placeholder = `"${name}:${id}"`;
    const where = text.lastIndexOf(placeholder, at);
    if (where >= 0) writes.push([where, String(value).padEnd(placeholder.length, ' ')]);
  }
  const fd = fs.openSync(file, 'r+');
  try {
    for (const [where, value] of writes) fs.writeSync(fd, value, where, 'latin1');
  } finally {
    fs.closeSync(fd);
  }
}

export function uid() {
  const hex = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function key(namespace, name) {
  return `${namespace}/${name}`;
}

export function nowIso() {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}
