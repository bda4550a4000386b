// The kubectl double: the subset of kubectl's CLI the toolkit uses, against the simulated cluster.
// runKubectl serves one call; the entry script and the daemon both use it.
import fs from 'node:fs';
import { key, recordCallEnd, recordCallStart, nowIso, readState, uid, withState } from './state.mjs';
import { FlagError, parseFlags, parseGoDuration } from './flags.mjs';
import { CONTAINER_PORTS, listObjects, resolveResource, resourceInfo, SERVICE_PORTS, tableRows } from './objects.mjs';
import { renderJsonPath, JsonPathError } from './jsonpath.mjs';
import { createStatefulPod, deletePod, deletePvc, podStatus, reconcile } from './cluster.mjs';
import { execBytes, runExec } from './exec.mjs';
import { ClaimPatchError, requestClaimSize } from './volume-expansion.mjs';
import { podDir, podNetworkFile } from './pod-runtime.mjs';
import { forwardPorts, parseAddresses, parsePorts, PortForwardError } from './port-forward.mjs';
import path from 'node:path';

// Set for each call: the daemon serves many calls in one process, strictly one after another.
let dir;
let io;
const out = (text) => io.out(text);
const err = (text) => io.err(text);

class KubectlError extends Error {
  constructor(text, code = 1) {
    super(text);
    this.code = code;
  }
}

const notFound = (plural, name) => new KubectlError(`Error from server (NotFound): ${plural} "${name}" not found`);

const TABLE = JSON.parse(fs.readFileSync(new URL('../flags/kubectl.json', import.meta.url), 'utf8'));

// Flags the double models (or may safely ignore); any other flag the real kubectl accepts is
// refused as "not simulated", and a flag it does not accept gets kubectl's own error.
const GLOBAL_MODELLED = [
  'namespace',
  'context',
  'kubeconfig',
  'request-timeout',
  'v',
  'cache-dir',
  'disable-compression',
  'log-flush-frequency',
  'vmodule',
  'warnings-as-errors',
];
const COMMANDS = {
  version: { modelled: ['client', 'output'], run: version },
  'cluster-info': { modelled: [], run: clusterInfo },
  'config current-context': { modelled: [], run: currentContext },
  get: {
    modelled: [
      'output',
      'selector',
      'all-namespaces',
      'field-selector',
      'ignore-not-found',
      'no-headers',
      'chunk-size',
      'show-managed-fields',
      'allow-missing-template-keys',
      'server-print',
    ],
    run: get,
  },
  'create namespace': {
    modelled: ['output', 'dry-run', 'save-config', 'validate', 'field-manager', 'allow-missing-template-keys'],
    run: createNamespace,
  },
  'create secret generic': {
    modelled: [
      'output',
      'from-file',
      'from-literal',
      'from-env-file',
      'type',
      'dry-run',
      'save-config',
      'append-hash',
      'validate',
      'field-manager',
      'allow-missing-template-keys',
    ],
    run: createSecretGeneric,
  },
  create: {
    modelled: [
      'output',
      'filename',
      'dry-run',
      'save-config',
      'validate',
      'field-manager',
      'allow-missing-template-keys',
    ],
    run: createFromFile,
  },
  delete: {
    modelled: ['ignore-not-found', 'wait', 'timeout', 'grace-period', 'now', 'force', 'output', 'cascade'],
    run: del,
  },
  exec: { modelled: ['stdin', 'tty', 'container', 'quiet', 'pod-running-timeout'], run: exec },
  logs: {
    modelled: ['container', 'tail', 'previous', 'timestamps', 'all-containers', 'ignore-errors', 'prefix'],
    run: logs,
  },
  wait: { modelled: ['for', 'timeout', 'output', 'allow-missing-template-keys'], run: wait },
  scale: { modelled: ['replicas', 'timeout', 'output', 'allow-missing-template-keys'], run: scale },
  patch: { modelled: ['patch', 'type'], run: patch },
  'port-forward': { modelled: ['address', 'pod-running-timeout'], run: portForward },
};
const GLOBAL = TABLE.global;

function flagSpec(name) {
  const spec = {};
  for (const [flag, def] of Object.entries(TABLE.global))
    spec[flag] = { ...def, simulated: GLOBAL_MODELLED.includes(flag) };
  for (const [flag, def] of Object.entries(TABLE.commands[name]))
    spec[flag] = { ...def, simulated: COMMANDS[name].modelled.includes(flag) };
  return spec;
}

// Real commands the double does not model: refused plainly rather than answered wrongly.
const NOT_SIMULATED = [
  'apply',
  'describe',
  'cp',
  'edit',
  'label',
  'annotate',
  'rollout',
  'top',
  'auth',
  'api-resources',
  'api-versions',
  'run',
  'expose',
  'proxy',
  'debug',
  'attach',
  'replace',
  'explain',
];

const state = { loaded: null };
function load() {
  return (state.loaded ??= readState(dir));
}

// What kubectl prints when the API server refuses connections: discovery retries logged by klog
// (5 for get/delete, 4 for exec/logs/wait), then one summary line. `create` fails on its POST.
function checkReachable(flags, { discoveryLines = 5, createPath = null } = {}) {
  const s = load();
  if (flags.context && flags.context !== s.context)
    throw new KubectlError(`error: context "${flags.context}" does not exist`);
  if (!s.faults.unreachable && !s.stopped) return;
  const host = new URL(s.server).host;
  const refused = `dial tcp ${host}: connect: connection refused`;
  if (createPath) {
    throw new KubectlError(
      `error: failed to create ${createPath.kind} Post ` +
        `"${s.server}${createPath.path}?fieldManager=kubectl-create&fieldValidation=Strict": ${refused}`,
    );
  }
  const timeout = flags['request-timeout'] && flags['request-timeout'] !== '0' ? flags['request-timeout'] : '32s';
  const cause = `couldn't get current server API group list: Get \\"${s.server}/api?timeout=${timeout}\\": ${refused}`;
  const lines = [];
  for (let i = 0; i < discoveryLines; i++)
    lines.push(`${klogStamp(i)} ${String(process.pid).padStart(7)} memcache.go:265] "Unhandled Error" err="${cause}"`);
  lines.push(`The connection to the server ${host} was refused - did you specify the right host or port?`);
  throw new KubectlError(lines.join('\n'));
}

// klog's header: E, MMDD, time with microseconds (the retries come a few hundred µs apart).
function klogStamp(retry) {
  const d = new Date();
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const micros = d.getMilliseconds() * 1000 + retry * 350;
  return (
    `E${p(d.getMonth() + 1)}${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(micros, 6)}`
  );
}

// The command is the leading words that spell a registered command ("create secret generic");
// global flags may come before or between them. Everything else keeps its order for the parser.
function splitCommand(args) {
  const words = [];
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a.startsWith('-')) {
      rest.push(a);
      const def = a.startsWith('--') ? GLOBAL[a.slice(2)] : Object.values(GLOBAL).find((d) => d.short === a.slice(1));
      if (def && def.type !== 'bool' && !a.includes('=') && i + 1 < args.length) rest.push(args[++i]);
      continue;
    }
    const candidate = [...words, words.length === 1 && a === 'ns' ? 'namespace' : a].join(' ');
    const extends_ = Object.keys(COMMANDS).some((c) => c === candidate || c.startsWith(`${candidate} `));
    if (words.length === 0 || extends_) words.push(candidate.split(' ').at(-1));
    else rest.push(a);
  }
  for (let n = words.length; n > 0; n--) {
    const name = words.slice(0, n).join(' ');
    if (COMMANDS[name]) return { name, rest: [...words.slice(n), ...rest] };
  }
  return { name: words[0] ?? null, rest };
}

async function main(name, rest) {
  if (!name) {
    out('kubectl controls the Kubernetes cluster manager. (simulated)\n');
    return 0;
  }
  if (NOT_SIMULATED.includes(name)) throw new KubectlError(`sim: kubectl ${name} is not simulated`);
  const cmd = COMMANDS[name];
  if (!cmd) throw new KubectlError(`error: unknown command "${name}" for "kubectl"`);
  let parsed;
  try {
    parsed = parseFlags(rest, flagSpec(name));
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    if (err.kind === 'not-simulated') throw new KubectlError(`sim: kubectl ${name}: ${err.message}`);
    throw new KubectlError(`error: ${err.message}\nSee 'kubectl ${name} --help' for usage.`);
  }
  return cmd.run(parsed);
}

function version({ flags }) {
  const s = load();
  const client = {
    major: '1',
    minor: s.kubectlVersion.split('.')[1],
    gitVersion: `v${s.kubectlVersion}`,
    gitCommit: 'f'.repeat(40),
    gitTreeState: 'clean',
    buildDate: '2026-06-10T08:00:00Z',
    goVersion: 'go1.24.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
  const kustomize = 'v5.6.0';
  if (flags.client) return printVersion(flags.output, { clientVersion: client, kustomizeVersion: kustomize });
  try {
    checkReachable(flags);
  } catch (err) {
    // `kubectl version` prints the client half, then only the final refusal line.
    printVersion(flags.output, { clientVersion: client, kustomizeVersion: kustomize });
    throw new KubectlError(err.message.split('\n').at(-1));
  }
  const server = { ...client, minor: s.serverVersion.split('.')[1], gitVersion: `v${s.serverVersion}` };
  return printVersion(flags.output, { clientVersion: client, kustomizeVersion: kustomize, serverVersion: server });
}

function printVersion(output, v) {
  if (output === 'json') out(`${JSON.stringify(v, null, 2)}\n`);
  else if (output === 'yaml')
    out(
      `${Object.entries(v)
        .map(([k, x]) => `${k}: ${JSON.stringify(x)}`)
        .join('\n')}\n`,
    );
  else if (output) throw new KubectlError(`error: --output must be 'yaml' or 'json'`);
  else {
    out(`Client Version: ${v.clientVersion.gitVersion}\nKustomize Version: ${v.kustomizeVersion}\n`);
    if (v.serverVersion) out(`Server Version: ${v.serverVersion.gitVersion}\n`);
  }
  return 0;
}

function clusterInfo({ flags }) {
  checkReachable(flags);
  const s = load();
  out(
    `Kubernetes control plane is running at ${s.server}\nCoreDNS is running at ` +
      `${s.server}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n\nTo further debug and diagnose ` +
      `cluster problems, use 'kubectl cluster-info dump'.\n`,
  );
  return 0;
}

function currentContext() {
  out(`${load().context}\n`);
  return 0;
}

// "pod/x", or "pods x y": the resource and the names asked for.
function targets(positionals) {
  if (positionals.length === 0) {
    throw new KubectlError(
      'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported ' +
        'resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed ' +
        "description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples",
    );
  }
  if (positionals[0].includes('/')) {
    return positionals.map((p) => {
      const [type, name] = p.split('/');
      const plural = resolveResource(type);
      if (!plural) throw new KubectlError(`error: the server doesn't have a resource type "${type}"`);
      return { plural, name };
    });
  }
  // "pods,svc" names several types; the category "all" is the namespaced workload types (kubectl's
  // categories from discovery: of those the sim holds, pods, services and statefulsets).
  const plurals = positionals[0].split(',').flatMap((type) => {
    if (type === 'all') return ['pods', 'services', 'statefulsets'];
    const plural = resolveResource(type);
    if (!plural) throw new KubectlError(`error: the server doesn't have a resource type "${type}"`);
    return [plural];
  });
  const names = positionals.slice(1);
  return plurals.flatMap((plural) =>
    names.length ? names.map((name) => ({ plural, name })) : [{ plural, name: null }],
  );
}

function refresh() {
  // Pod state moves on between calls (crashes, readiness): let the control plane catch up first.
  state.loaded = withState(dir, (s) => {
    reconcile(s, dir);
    return s;
  });
}

function get({ flags, positionals }) {
  checkReachable(flags);
  const wanted = targets(positionals);
  if (wanted.some((t) => ['pods', 'statefulsets', 'persistentvolumeclaims'].includes(t.plural))) refresh();
  const s = load();
  const namespace = flags.namespace || 'default';
  const all = flags['all-namespaces'];
  const items = [];
  const errors = [];
  for (const { plural, name } of wanted) {
    const info = resourceInfo(plural);
    let objs = listObjects(s, dir, plural).filter((o) => !info.namespaced || all || o.namespace === namespace);
    if (flags.selector) objs = objs.filter((o) => matchLabels(o.object.metadata.labels ?? {}, flags.selector));
    if (flags['field-selector']) objs = objs.filter((o) => matchFields(o.object, flags['field-selector']));
    if (name) {
      const found = objs.find((o) => o.name === name);
      if (found) items.push({ plural, ...found });
      else if (!flags['ignore-not-found']) errors.push(notFound(plural, name).message);
    } else {
      items.push(...objs.map((o) => ({ plural, ...o })));
    }
  }
  const single = wanted.length === 1 && wanted[0].name !== null;
  const kinds = [...new Set(wanted.map((w) => w.plural))];
  if (kinds.length > 1 && (!flags.output || flags.output === 'wide')) {
    printGroups(items, kinds, flags, namespace);
    if (errors.length) throw new KubectlError(errors.join('\n'));
    return 0;
  }
  print(items, {
    output: flags.output,
    single,
    flags,
    namespace,
    plural: wanted[0].plural,
    noHeaders: flags['no-headers'],
  });
  if (errors.length) throw new KubectlError(errors.join('\n'));
  return 0;
}

// More than one type as tables: one table per type, names as type/name, a blank line between them.
function printGroups(items, kinds, flags, namespace) {
  const tables = kinds
    .map((plural) => items.filter((i) => i.plural === plural))
    .filter((group) => group.length)
    .map((group) =>
      tableRows(group[0].plural, group, {
        allNamespaces: flags['all-namespaces'],
        kindPrefix: kindPath(group[0].plural),
      }),
    );
  if (!tables.length) {
    err(flags['all-namespaces'] ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
    return;
  }
  let text = tables.join('\n');
  if (flags['no-headers']) text = tables.map((t) => t.split('\n').slice(1).join('\n')).join('\n');
  out(text);
}

function print(items, { output, single, flags, namespace, plural, noHeaders }) {
  const list = { apiVersion: 'v1', items: items.map((i) => i.object), kind: 'List', metadata: { resourceVersion: '' } };
  const data = single && items.length === 1 ? items[0].object : list;
  if (!output || output === 'wide') {
    if (items.length === 0) {
      if (!single && !flags['ignore-not-found']) {
        const info = resourceInfo(plural);
        err(
          info.namespaced && !flags['all-namespaces']
            ? `No resources found in ${namespace} namespace.\n`
            : 'No resources found\n',
        );
      }
      return;
    }
    let table = tableRows(plural, items, { allNamespaces: flags['all-namespaces'] });
    if (noHeaders) table = table.split('\n').slice(1).join('\n');
    out(table);
    return;
  }
  if (items.length === 0 && single) return;
  if (output === 'json') out(`${JSON.stringify(sortKeys(data), null, 4)}\n`);
  else if (output === 'name') out(items.map((i) => `${kindPath(i.plural)}/${i.name}\n`).join(''));
  else if (output.startsWith('jsonpath=') || output.startsWith('jsonpath-as-json=')) {
    try {
      out(renderJsonPath(output.slice(output.indexOf('=') + 1), data));
    } catch (err) {
      if (err instanceof JsonPathError)
        throw new KubectlError(`error: error parsing jsonpath ${output.slice(9)}, ${err.message}`);
      throw err;
    }
  } else if (output === 'yaml') throw new KubectlError('sim: -o yaml is not simulated (use -o json)');
  else
    throw new KubectlError(
      `error: unable to match a printer suitable for the output format "${output}", allowed formats are: ` +
        'custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,' +
        'jsonpath-file,name,template,templatefile,wide,yaml',
    );
}

// Objects read from the API server come back with their keys sorted.
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys(v[k])]),
  );
}

function kindPath(plural) {
  const info = resourceInfo(plural);
  const group = info.apiVersion.includes('/') ? `.${info.apiVersion.split('/')[0]}` : '';
  return `${info.kind.toLowerCase()}${group}`;
}

function matchLabels(labels, selector) {
  return selector.split(',').every((term) => {
    const m = term.match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) return term.startsWith('!') ? !(term.slice(1) in labels) : term in labels;
    return m[2] === '!=' ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
  });
}

function matchFields(obj, selector) {
  return selector.split(',').every((term) => {
    const m = term.match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) throw new KubectlError(`error: invalid selector: '${selector}'; can't understand '${term}'`);
    const value = m[1].split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
    return m[2] === '!=' ? String(value) !== m[3] : String(value) === m[3];
  });
}

function createNamespace({ flags, positionals }) {
  checkReachable(flags, { createPath: { kind: 'namespace', path: '/api/v1/namespaces' } });
  const name = positionals[0];
  if (!name)
    throw new KubectlError(
      "error: exactly one NAME is required, got 0\nSee 'kubectl create namespace -h' for help and examples",
    );
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new KubectlError(
      `The Namespace "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 label ` +
        `must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric ` +
        `character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    );
  }
  withState(dir, (s) => {
    if (s.namespaces[name])
      throw new KubectlError(`Error from server (AlreadyExists): namespaces "${name}" already exists`);
    s.namespaces[name] = { created: nowIso(), uid: uid() };
  });
  out(`namespace/${name} created\n`);
  return 0;
}

function readSource(file) {
  return file === '-' || file === '/dev/stdin' ? fs.readFileSync(0) : fs.readFileSync(file);
}

function createSecretGeneric({ flags, positionals }) {
  const name = positionals[0];
  if (!name)
    throw new KubectlError(
      "error: exactly one NAME is required, got 0\nSee 'kubectl create secret generic -h' for help and examples",
    );
  const data = {};
  for (const lit of flags['from-literal'] ?? []) {
    const eq = lit.indexOf('=');
    data[lit.slice(0, eq)] = Buffer.from(lit.slice(eq + 1)).toString('base64');
  }
  for (const spec of flags['from-file'] ?? []) {
    const eq = spec.indexOf('=');
    const [k, file] = eq === -1 ? [path.basename(spec), spec] : [spec.slice(0, eq), spec.slice(eq + 1)];
    data[k] = readSource(file).toString('base64');
  }
  for (const file of flags['from-env-file'] ?? []) {
    for (const line of readSource(file).toString('utf8').split('\n')) {
      if (!line.trim() || line.startsWith('#')) continue;
      const eq = line.indexOf('=');
      data[line.slice(0, eq)] = Buffer.from(line.slice(eq + 1)).toString('base64');
    }
  }
  const namespace = flags.namespace || 'default';
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: flags.type || 'Opaque',
    data,
  };
  return createObjects([manifest], flags, { kind: 'secret', path: `/api/v1/namespaces/${namespace}/secrets` });
}

function createFromFile({ flags }) {
  const files = flags.filename ?? [];
  if (files.length === 0) throw new KubectlError('error: must specify one of -f and -k');
  const docs = [];
  for (const f of files) {
    const text = readSource(f).toString('utf8');
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new KubectlError(`sim: only JSON manifests are simulated (error parsing ${f === '-' ? 'STDIN' : f})`);
    }
    docs.push(...(doc.kind === 'List' ? doc.items : [doc]));
  }
  return createObjects(docs, flags, null, files[0] === '-' ? 'STDIN' : files[0]);
}

// `generator` is set for `create secret generic`, whose errors kubectl words its own way.
function createObjects(docs, flags, generator, source) {
  const dry = flags['dry-run'] && flags['dry-run'] !== 'none';
  if (dry && !['client', 'server'].includes(flags['dry-run'])) {
    throw new KubectlError(
      `error: Invalid dry-run value (${flags['dry-run']}). Must be "none", "server", or "client".`,
    );
  }
  if (!dry || flags['dry-run'] === 'server') {
    const s = load();
    if (
      !generator &&
      (s.faults.unreachable || s.stopped) &&
      flags.validate !== 'false' &&
      flags.validate !== 'ignore'
    ) {
      const host = new URL(s.server).host;
      throw new KubectlError(
        `error: error validating "${source}": error validating data: failed to download openapi: Get ` +
          `"${s.server}/openapi/v2?timeout=32s": dial tcp ${host}: connect: connection refused; if you choose to ` +
          `ignore these errors, turn validation off with --validate=false`,
      );
    }
    checkReachable(flags, { createPath: generator });
  }
  const created = [];
  const commit = (s) => {
    for (const doc of docs) {
      if (!['Secret', 'Namespace', 'StorageClass'].includes(doc.kind))
        throw new KubectlError(`sim: creating ${doc.kind} is not simulated`);
      const name = doc.metadata?.name;
      if (doc.kind === 'StorageClass') {
        if (s.storageClasses[name])
          throw new KubectlError(
            `Error from server (AlreadyExists): error when creating "${source}": storageclasses.storage.k8s.io ` +
              `"${name}" already exists`,
          );
        s.storageClasses[name] = {
          created: nowIso(),
          uid: uid(),
          provisioner: doc.provisioner,
          default: doc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
          ...(typeof doc.allowVolumeExpansion === 'boolean' ? { allowVolumeExpansion: doc.allowVolumeExpansion } : {}),
        };
        created.push({ doc, path: `storageclass.storage.k8s.io/${name}` });
        continue;
      }
      if (doc.kind === 'Namespace') {
        if (s.namespaces[name])
          throw new KubectlError(
            `Error from server (AlreadyExists): error when creating "${source}": namespaces "${name}" already exists`,
          );
        s.namespaces[name] = { created: nowIso(), uid: uid() };
        created.push({ doc, path: `namespace/${name}` });
        continue;
      }
      const ns = doc.metadata.namespace || flags.namespace || 'default';
      if (flags.namespace && doc.metadata.namespace && doc.metadata.namespace !== flags.namespace) {
        throw new KubectlError(
          `error: the namespace from the provided object "${doc.metadata.namespace}" does not match the namespace ` +
            `"${flags.namespace}". You must pass '--namespace=${doc.metadata.namespace}' to perform this ` +
            `operation.`,
        );
      }
      if (!s.namespaces[ns])
        throw new KubectlError(
          `Error from server (NotFound): ${source ? `error when creating "${source}": ` : ''}namespaces "${ns}" ` +
            `not found`,
        );
      if (s.secrets[key(ns, name)]) {
        if (generator) throw new KubectlError(`error: failed to create secret secrets "${name}" already exists`);
        throw new KubectlError(
          `Error from server (AlreadyExists): error when creating "${source}": secrets "${name}" already exists`,
        );
      }
      const data = { ...(doc.data ?? {}) };
      for (const [k, v] of Object.entries(doc.stringData ?? {})) data[k] = Buffer.from(String(v)).toString('base64');
      for (const [k, v] of Object.entries(data)) {
        if (!/^[-._a-zA-Z0-9]+$/.test(k))
          throw new KubectlError(
            `The Secret "${name}" is invalid: data[${k}]: Invalid value: "${k}": a valid config key must consist ` +
              `of alphanumeric characters, '-', '_' or '.'`,
          );
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
          throw new KubectlError(
            `Error from server (BadRequest): error when creating "${source}": Secret in version "v1" cannot be ` +
              `handled as a Secret: illegal base64 data at input byte 0`,
          );
      }
      const record = {
        namespace: ns,
        name,
        uid: uid(),
        created: nowIso(),
        type: doc.type || 'Opaque',
        data,
        labels: doc.metadata.labels,
        annotations: doc.metadata.annotations,
      };
      if (!dry) s.secrets[key(ns, name)] = record;
      created.push({ doc: { ...doc, data, metadata: { ...doc.metadata, namespace: ns } }, path: `secret/${name}` });
    }
  };
  if (dry) commit(structuredClone(load()));
  else withState(dir, commit);
  if (flags.output === 'json') {
    const out = created.map((c) => c.doc);
    out(`${JSON.stringify(out.length === 1 ? out[0] : { apiVersion: 'v1', kind: 'List', items: out }, null, 4)}\n`);
  } else if (flags.output === 'name') {
    out(created.map((c) => `${c.path}\n`).join(''));
  } else {
    const suffix = dry ? ` created (${flags['dry-run']} dry run)` : ' created';
    out(created.map((c) => `${c.path}${suffix}\n`).join(''));
  }
  return 0;
}

async function del({ flags, positionals }) {
  checkReachable(flags);
  const wanted = targets(positionals);
  const namespace = flags.namespace || 'default';
  const lines = [];
  const errors = [];
  const podsToDelete = [];
  const held = []; // claims kubernetes.io/pvc-protection keeps while a pod uses them
  const cascade = flags.cascade ?? 'background';
  if (!['background', 'foreground', 'orphan', 'true', 'false'].includes(cascade))
    throw new KubectlError(
      `error: invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`,
    );
  withState(dir, (s) => {
    for (const { plural, name } of wanted) {
      if (!name) throw new KubectlError('error: resource(s) were provided, but no name was specified');
      const k = key(namespace, name);
      if (plural === 'pods') {
        if (!s.pods[k]) errors.push(notFound(plural, name).message);
        else podsToDelete.push(s.pods[k]);
      } else if (plural === 'secrets') {
        if (!s.secrets[k]) errors.push(notFound(plural, name).message);
        else delete s.secrets[k];
      } else if (plural === 'persistentvolumeclaims') {
        if (!s.pvcs[k]) errors.push(notFound(plural, name).message);
        else {
          deletePvc(s, dir, namespace, name);
          if (s.pvcs[k]) held.push(name);
        }
      } else if (plural === 'namespaces') {
        if (!s.namespaces[name]) errors.push(notFound(plural, name).message);
        else deleteNamespace(s, name);
      } else if (plural === 'statefulsets') {
        if (!s.statefulsets?.[k]) errors.push(notFound('statefulsets.apps', name).message);
        else deleteStatefulSet(s, s.statefulsets[k], cascade);
      } else throw new KubectlError(`sim: deleting ${plural} is not simulated`);
      if (!errors.length || !errors.at(-1).includes(`"${name}"`))
        lines.push(
          `${resourceInfo(plural).kind.toLowerCase()}${plural === 'statefulsets' ? '.apps' : ''} "${name}" deleted`,
        );
    }
    for (const pod of podsToDelete) deletePod(s, dir, pod);
    reconcile(s, dir);
  });
  if (lines.length) out(`${lines.join('\n')}\n`);
  const real = errors.filter(() => !flags['ignore-not-found']);
  if (real.length) throw new KubectlError(real.join('\n'));
  if (held.length && flags.wait !== false) await waitDeleted(namespace, held, flags.timeout);
  return 0;
}

// The garbage collector deletes a StatefulSet's pods unless the delete orphans them (--cascade=orphan, or the
// deprecated false); an orphaned pod keeps running and the next StatefulSet with a matching selector adopts it.
function deleteStatefulSet(s, sts, cascade) {
  delete s.statefulsets[key(sts.namespace, sts.name)];
  if (cascade === 'orphan' || cascade === 'false') return;
  const pod = s.pods[key(sts.namespace, `${sts.name}-0`)];
  if (pod) deletePod(s, dir, pod, { recreate: false });
}

// `kubectl patch pvc NAME -p '{"spec":{"resources":{"requests":{"storage":"16Gi"}}}}'` (strategic or merge):
// the claim's size request is the one field the double lets a patch change.
function patch({ flags, positionals }) {
  checkReachable(flags);
  const type = flags.type ?? 'strategic';
  if (!['strategic', 'merge', 'json'].includes(type))
    throw new KubectlError(`error: --type must be one of [json merge strategic], not "${type}"`);
  if (flags.patch === undefined)
    throw new KubectlError('error: must specify --patch or --patch-file containing the contents of the patch');
  const [{ plural, name }] = targets(positionals);
  if (!name) throw new KubectlError('error: resource(s) were provided, but no name was specified');
  if (plural !== 'persistentvolumeclaims' || type === 'json')
    throw new KubectlError(`sim: kubectl patch is simulated only for a PVC's storage request (strategic or merge)`);
  let body;
  try {
    body = JSON.parse(flags.patch);
  } catch (e) {
    throw new KubectlError(`error: unable to parse "${flags.patch}": ${e.message}`);
  }
  const storage = body?.spec?.resources?.requests?.storage;
  const only = JSON.stringify({ spec: { resources: { requests: { storage } } } });
  if (storage === undefined || JSON.stringify(body) !== only)
    throw new KubectlError('sim: kubectl patch is simulated only for spec.resources.requests.storage of a PVC');
  const namespace = flags.namespace || 'default';
  const result = withState(dir, (s) => {
    const pvc = s.pvcs[key(namespace, name)];
    if (!pvc) throw notFound('persistentvolumeclaims', name);
    try {
      return requestClaimSize(s, pvc, String(storage));
    } catch (e) {
      if (e instanceof ClaimPatchError) throw new KubectlError(e.message);
      throw e;
    }
  });
  out(`persistentvolumeclaim/${name} patched${result === 'unchanged' ? ' (no change)' : ''}\n`);
  return 0;
}

function deleteNamespace(s, name) {
  for (const [k, pod] of Object.entries(s.pods))
    if (pod.namespace === name) {
      deletePod(s, dir, pod, { recreate: false });
      delete s.pods[k];
    }
  for (const coll of ['statefulsets', 'services', 'secrets', 'releases']) {
    for (const k of Object.keys(s[coll] ?? {})) if (k.startsWith(`${name}/`)) delete s[coll][k];
  }
  for (const pvc of Object.values(s.pvcs)) if (pvc.namespace === name) deletePvc(s, dir, name, pvc.name);
  s.events = s.events.filter((e) => e.namespace !== name);
  delete s.namespaces[name];
}

function findPod(flags, podArg) {
  const name = podArg.startsWith('pod/') ? podArg.slice(4) : podArg.startsWith('pods/') ? podArg.slice(5) : podArg;
  const pod = load().pods[key(flags.namespace || 'default', name)];
  if (!pod) throw notFound('pods', name);
  return pod;
}

async function exec({ flags, positionals, dashArgs }) {
  if (!positionals.length) throw new KubectlError('error: pod, type/name or --filename must be specified');
  const command = dashArgs ?? positionals.slice(1);
  if (!dashArgs && positionals.length > 1) {
    throw new KubectlError(
      "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl " +
        "exec -h' for help and examples",
    );
  }
  if (!command.length) throw new KubectlError('error: you must specify at least one command for the container');
  checkReachable(flags, { discoveryLines: 4 });
  refresh();
  const pod = findPod(flags, positionals[0]);
  if (flags.container && flags.container !== 'postgresql') {
    throw new KubectlError(
      `Error from server (BadRequest): container ${flags.container} is not valid for pod ${pod.name}`,
    );
  }
  if (pod.block?.kind === 'unschedulable') {
    throw new KubectlError(`Error from server (BadRequest): pod ${pod.name} does not have a host assigned`);
  }
  if (!pod.container || pod.block) {
    throw new KubectlError(
      'error: Internal error occurred: unable to upgrade connection: container not found ("postgresql")',
    );
  }
  if (flags.tty && !process.stdin.isTTY && !flags.quiet)
    err('Unable to use a TTY - input is not a terminal or the right kind of file\n');
  const cut = load().faults['exec-cut'];
  return runExec(dir, pod, command, {
    stdin: Boolean(flags.stdin),
    tty: Boolean(flags.tty) && process.stdin.isTTY === true,
    cutAfter: cut ? Number(cut) : 0,
  });
}

// kubectl delete waits (--wait, on by default) until the objects are gone: for a claim a pod still uses,
// until that pod is (the pvc-protection finalizer). --timeout 0 means a week, as kubectl's default.
async function waitDeleted(namespace, names, timeout) {
  const ms = timeout && timeout !== '0' ? parseGoDuration(timeout) : 7 * 24 * 3_600_000;
  const deadline = Date.now() + ms;
  for (const name of names) {
    while (readState(dir).pvcs[key(namespace, name)]) {
      if (Date.now() >= deadline)
        throw new KubectlError(`error: timed out waiting for the condition on persistentvolumeclaims/${name}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

// kubectl/pkg/cmd/portforward: TYPE/NAME (a pod, or a service whose port is translated to the pod's
// container port), then the ports; the pod must be Running. The relay itself is lib/port-forward.mjs.
async function portForward({ flags, positionals }) {
  if (positionals.length < 2)
    throw new KubectlError(
      "error: TYPE/NAME and list of ports are required for port-forward\nSee 'kubectl port-forward -h' for help " +
        'and examples',
    );
  checkReachable(flags, { discoveryLines: 4 });
  refresh();
  const namespace = flags.namespace || 'default';
  const [target, ...specs] = positionals;
  const slash = target.indexOf('/');
  const plural = slash < 0 ? 'pods' : resolveResource(target.slice(0, slash));
  const name = slash < 0 ? target : target.slice(slash + 1);
  let pod;
  let ports;
  if (plural === 'pods') {
    pod = findPod(flags, name);
    ports = specs.map((spec) => namedPodPort(pod, spec));
  } else if (plural === 'services') {
    const svc = load().services?.[key(namespace, name)];
    if (!svc) throw notFound('services', name);
    pod = await servicePod(svc, flags['pod-running-timeout'] ?? '1m0s');
    ports = specs.map((spec) => servicePortToTarget(svc, pod, spec));
  } else throw new KubectlError(`sim: kubectl port-forward to ${target} is not simulated (pods and services are)`);
  const phase = podStatus(load(), dir, pod).phase;
  if (phase !== 'Running')
    throw new KubectlError(`error: unable to forward port because pod is not running. Current status=${phase}`);
  try {
    return await forwardPorts({
      netns: podNetworkFile(dir, pod),
      sandbox: pod.uid.replace(/-/g, '').padEnd(64, '0'),
      ports: parsePorts(ports),
      addresses: parseAddresses((flags.address ?? 'localhost').split(',')),
      out,
      errOut: err,
      logError: (text) =>
        err(
          `${klogStamp(0)} ${String(process.pid).padStart(7)} portforward.go:424] "Unhandled Error" ` +
            `err="${text.replace(/"/g, '\\"')}"\n`,
        ),
      podGone: () => readState(dir).pods[key(pod.namespace, pod.name)]?.uid !== pod.uid,
    });
  } catch (e) {
    if (e instanceof PortForwardError) throw new KubectlError(`error: ${e.message}`);
    throw e;
  }
}

const containerPort = (name) => CONTAINER_PORTS.find((p) => p.name === name)?.containerPort;

function splitPort(spec) {
  const parts = spec.split(':');
  return parts.length === 2 ? parts : [parts[0], parts[0]];
}

// convertPodNamedPortToNumber: a remote port given by name becomes the container's port number.
function namedPodPort(pod, spec) {
  const [local, remote] = splitPort(spec);
  if (/^\d+$/.test(remote) || remote === '') return spec;
  const number = containerPort(remote);
  if (!number) throw new KubectlError(`error: Pod '${pod.name}' does not have a named port '${remote}'`);
  return local === remote ? String(number) : `${local}:${number}`;
}

// translateServicePortToTargetPort: the service port (by number or name) to its targetPort in the pod.
function servicePortToTarget(svc, pod, spec) {
  let [local, remote] = splitPort(spec);
  let number = Number(remote);
  if (!/^\d+$/.test(remote)) {
    const byName = SERVICE_PORTS.find((p) => p.name === remote);
    if (!byName) throw new KubectlError(`error: Service '${svc.name}' does not have a named port '${remote}'`);
    number = byName.port;
    if (local === remote) local = String(number);
  }
  const servicePort = SERVICE_PORTS.find((p) => p.port === number);
  if (!servicePort) throw new KubectlError(`error: Service ${svc.name} does not have a service port ${number}`);
  const target = containerPort(servicePort.targetPort);
  if (!target)
    throw new KubectlError(`error: Pod '${pod.name}' does not have a named port '${servicePort.targetPort}'`);
  remote = String(target);
  return local !== remote ? `${local}:${remote}` : remote;
}

// AttachablePodForObject: the first pod the service selects (the release's primary), waited for up to
// --pod-running-timeout when there is none yet.
async function servicePod(svc, timeout) {
  const ms = parseGoDuration(timeout);
  if (ms === null)
    throw new KubectlError(
      `error: invalid argument "${timeout}" for "--pod-running-timeout" flag: time: invalid duration "${timeout}"`,
    );
  const deadline = Date.now() + ms;
  for (;;) {
    const pod = Object.values(load().pods).find((p) => p.namespace === svc.namespace && p.release === svc.release);
    if (pod) return pod;
    if (Date.now() >= deadline) throw new KubectlError('error: timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 500));
    refresh();
  }
}

function logs({ flags, positionals }) {
  checkReachable(flags, { discoveryLines: 4 });
  if (!positionals.length)
    throw new KubectlError(
      "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument " +
        "for the logs command\nSee 'kubectl logs -h' for help and examples",
    );
  refresh();
  const namespace = flags.namespace || 'default';
  const podName = positionals[0].replace(/^pods?\//, '');
  const pod = load().pods[key(namespace, podName)];
  if (!pod)
    throw new KubectlError(
      `error: error from server (NotFound): pods "${podName}" not found in namespace "${namespace}"`,
    );
  if (flags.container && flags.container !== 'postgresql') {
    throw new KubectlError(`error: container ${flags.container} is not valid for pod ${pod.name}`);
  }
  const file = path.join(podDir(dir, pod), flags.previous ? 'previous.log' : 'container.log');
  if (flags.previous && !pod.lastState) {
    throw new KubectlError(
      `Error from server (BadRequest): previous terminated container "postgresql" in pod "${pod.name}" not found`,
    );
  }
  if (!fs.existsSync(file)) {
    if (!pod.container && pod.block) {
      const reason = pod.block.kind === 'image' ? 'trying and failing to pull image' : 'ContainerCreating';
      throw new KubectlError(
        `Error from server (BadRequest): container "postgresql" in pod "${pod.name}" is waiting to start: ${reason}`,
      );
    }
    return 0;
  }
  let lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (flags.tail !== undefined && Number(flags.tail) >= 0)
    lines = lines.slice(Math.max(0, lines.length - Number(flags.tail)));
  if (lines.length) out(`${lines.join('\n')}\n`);
  return 0;
}

async function wait({ flags, positionals }) {
  checkReachable(flags, { discoveryLines: 4 });
  const cond = flags.for;
  if (!cond) throw new KubectlError('error: --for must be specified');
  const m = cond.match(/^condition=([A-Za-z]+)(?:=(True|False|true|false))?$/);
  if (!m && cond !== 'delete') throw new KubectlError(`sim: kubectl wait --for=${cond} is not simulated`);
  const timeoutMs = parseGoDuration(flags.timeout ?? '30s');
  if (timeoutMs === null)
    throw new KubectlError(
      `error: invalid argument "${flags.timeout}" for "--timeout" flag: time: invalid duration "${flags.timeout}"`,
    );
  const wanted = targets(positionals);
  const deadline = Date.now() + timeoutMs;
  const namespace = flags.namespace || 'default';
  for (const { plural, name } of wanted) {
    if (plural !== 'pods') throw new KubectlError(`sim: kubectl wait on ${plural} is not simulated`);
    for (;;) {
      refresh();
      const pod = load().pods[key(namespace, name)];
      if (cond === 'delete') {
        if (!pod) break;
      } else {
        if (!pod) throw notFound('pods', name);
        const status =
          cond === 'delete'
            ? null
            : listObjects(load(), dir, 'pods').find((o) => o.name === name && o.namespace === namespace).object.status;
        const c = status.conditions.find((x) => x.type.toLowerCase() === m[1].toLowerCase());
        if (c && c.status.toLowerCase() === (m[2] ?? 'true').toLowerCase()) {
          out(`pod/${name} condition met\n`);
          break;
        }
      }
      if (Date.now() >= deadline) throw new KubectlError(`error: timed out waiting for the condition on pods/${name}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return 0;
}

// A StatefulSet scaled to 0 keeps its claim and loses its pod; back to 1, the pod returns.
function scale({ flags, positionals }) {
  checkReachable(flags);
  if (flags.replicas === undefined) throw new KubectlError('error: required flag(s) "replicas" not set');
  const replicas = Number(flags.replicas);
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new KubectlError(
      `error: invalid argument "${flags.replicas}" for "--replicas" flag: strconv.ParseInt: parsing ` +
        `"${flags.replicas}": invalid syntax`,
    );
  if (replicas > 1) throw new KubectlError('sim: more than one replica is not simulated');
  const [{ plural, name }] = targets(positionals);
  if (plural !== 'statefulsets') throw new KubectlError(`sim: scaling ${plural} is not simulated`);
  const namespace = flags.namespace || 'default';
  withState(dir, (s) => {
    const sts = s.statefulsets?.[key(namespace, name)];
    if (!sts) throw notFound('statefulsets.apps', name);
    sts.replicas = replicas;
    const pod = s.pods[key(namespace, `${name}-0`)];
    if (replicas === 0 && pod) deletePod(s, dir, pod, { recreate: false });
    if (replicas === 1 && !pod) createStatefulPod(s, dir, sts);
    reconcile(s, dir);
  });
  out(`statefulset.apps/${name} scaled\n`);
  return 0;
}

// Calls the daemon answers itself: quick, read-only, no stdin, nothing streamed.
const FAST = ['version', 'cluster-info', 'config current-context', 'get'];

// Returns the exit code, or 'fallback' when fastOnly and the call needs its own process.
export async function runKubectl(clusterDir, args, streams, { fastOnly = false } = {}) {
  const { name, rest } = splitCommand(args);
  if (fastOnly && !FAST.includes(name)) return 'fallback';
  dir = clusterDir;
  io = streams;
  state.loaded = null;
  const counters = name === 'exec' ? ['bytesIn', 'bytesOut'] : [];
  const call = recordCallStart(dir, { tool: 'kubectl', argv: args }, counters);
  let code = 1;
  try {
    code = await main(name, rest);
  } catch (e) {
    if (e instanceof KubectlError) {
      err(`${e.message}\n`);
      code = e.code;
    } else {
      err(`sim: kubectl internal error: ${e.stack}\n`);
      code = 255;
    }
  }
  recordCallEnd(dir, call, code, name === 'exec' ? { bytesIn: execBytes.in, bytesOut: execBytes.out } : {});
  return code;
}
