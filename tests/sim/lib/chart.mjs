// What the Bitnami PostgreSQL chart renders from its values, reduced to what the simulation runs,
// and which images a registry still serves after Bitnami's 2025 catalog change.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CATALOG = JSON.parse(
  fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'charts.json'), 'utf8'),
);

export const CHART_REF = CATALOG.reference;

// `helm upgrade` accepts the OCI reference with or without a tag, like the real one.
export function lookupChart(ref, version) {
  const [base, tag] = ref.split(/:(?=[^/]+$)/);
  if (base !== CATALOG.reference) return { error: 'unknown-chart' };
  const wanted = version || tag || CATALOG.latest;
  const entry = CATALOG.versions[wanted];
  if (!entry) return { error: 'unknown-version', version: wanted };
  return { name: 'postgresql', version: wanted, ...entry };
}

const RESOURCE_PRESETS = {
  nano: {
    requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '50Mi' },
    limits: { cpu: '150m', memory: '192Mi', 'ephemeral-storage': '2Gi' },
  },
  micro: {
    requests: { cpu: '250m', memory: '256Mi', 'ephemeral-storage': '50Mi' },
    limits: { cpu: '375m', memory: '384Mi', 'ephemeral-storage': '2Gi' },
  },
  small: {
    requests: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '50Mi' },
    limits: { cpu: '750m', memory: '768Mi', 'ephemeral-storage': '2Gi' },
  },
  medium: {
    requests: { cpu: '500m', memory: '1024Mi', 'ephemeral-storage': '50Mi' },
    limits: { cpu: '750m', memory: '1536Mi', 'ephemeral-storage': '2Gi' },
  },
};

export function chartDefaults(chart) {
  return {
    global: { imageRegistry: '', security: { allowInsecureImages: false }, defaultStorageClass: '', storageClass: '' },
    fullnameOverride: '',
    nameOverride: '',
    architecture: 'standalone',
    image: { registry: 'docker.io', repository: 'bitnami/postgresql', tag: chart.imageTag, digest: '' },
    auth: {
      enablePostgresUser: true,
      postgresPassword: '',
      username: '',
      password: '',
      database: '',
      existingSecret: '',
      usePasswordFiles: true,
      secretKeys: {
        adminPasswordKey: 'postgres-password',
        userPasswordKey: 'password',
        replicationPasswordKey: 'replication-password',
      },
    },
    primary: {
      resourcesPreset: 'nano',
      resources: {},
      extendedConfiguration: '',
      persistence: { enabled: true, size: '8Gi', storageClass: '', accessModes: ['ReadWriteOnce'] },
    },
  };
}

export function mergeValues(base, over) {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
  return out;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// `--set a.b=c` in helm's strvals syntax, the parts we need: dotted keys, escaped dots, scalars.
export function setValue(values, expr, { string = false } = {}) {
  const eq = expr.indexOf('=');
  if (eq === -1) throw new Error(`failed parsing --set data: key "${expr}" has no value`);
  const keys = expr
    .slice(0, eq)
    .split(/(?<!\\)\./)
    .map((k) => k.replace(/\\\./g, '.'));
  const raw = expr.slice(eq + 1);
  let value = raw;
  if (string) value = raw;
  else if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (raw === 'null') value = null;
  else if (/^-?\d+$/.test(raw)) value = Number(raw);
  let node = values;
  for (const k of keys.slice(0, -1)) node = isObject(node[k]) ? node[k] : (node[k] = {});
  node[keys.at(-1)] = value;
}

export function renderRelease({ release, chart, values }) {
  const v = mergeValues(chartDefaults(chart), values);
  // bitnami/common _names.tpl common.names.fullname: the override, else the release when it contains
  // the chart's name, else "<release>-<name>"; each cut by `trunc 63 | trimSuffix "-"`.
  const name = v.nameOverride || 'postgresql';
  const fullname = (v.fullnameOverride || (release.includes(name) ? release : `${release}-${name}`))
    .slice(0, 63)
    .replace(/-+$/, '');
  const image = imageReference(v.image, v.global.imageRegistry);
  // bitnami/common's insecureImages check: a replaced image fails the render unless allowed; since
  // common 2.31.4 a bitnamilegacy replacement only warns (the 2025 catalog change's escape hatch).
  const registry = v.global.imageRegistry || v.image.registry;
  const standardImage = registry === 'docker.io' && v.image.repository === 'bitnami/postgresql';
  const legacyOk =
    registry === 'docker.io' &&
    v.image.repository === 'bitnamilegacy/postgresql' &&
    atLeast(chart.commonVersion, '2.31.4');
  if (!standardImage && !legacyOk && !v.global.security.allowInsecureImages) {
    return { error: 'insecure-images', image };
  }
  const auth = v.auth;
  const username = auth.username && auth.username !== 'postgres' ? auth.username : '';
  const secretName = auth.existingSecret || fullname;
  const secretFiles = { 'postgres-password': { secret: secretName, key: auth.secretKeys.adminPasswordKey } };
  if (username) secretFiles.password = { secret: secretName, key: auth.secretKeys.userPasswordKey };
  const env = {
    BITNAMI_DEBUG: 'false',
    POSTGRESQL_PORT_NUMBER: '5432',
    POSTGRESQL_VOLUME_DIR: '/bitnami/postgresql',
    PGDATA: '/bitnami/postgresql/data',
    ...(username
      ? { POSTGRES_USER: username, POSTGRES_PASSWORD_FILE: '/opt/bitnami/postgresql/secrets/password' }
      : {}),
    POSTGRES_POSTGRES_PASSWORD_FILE: '/opt/bitnami/postgresql/secrets/postgres-password',
    ...(auth.database ? { POSTGRES_DATABASE: auth.database } : {}),
    POSTGRESQL_ENABLE_LDAP: 'no',
    POSTGRESQL_ENABLE_TLS: 'no',
    POSTGRESQL_LOG_HOSTNAME: 'false',
    POSTGRESQL_LOG_CONNECTIONS: 'false',
    POSTGRESQL_LOG_DISCONNECTIONS: 'false',
    POSTGRESQL_PGAUDIT_LOG_CATALOG: 'off',
    POSTGRESQL_CLIENT_MIN_MESSAGES: 'error',
    POSTGRESQL_SHARED_PRELOAD_LIBRARIES: 'pgaudit',
    PATH: '/opt/bitnami/postgresql/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/',
  };
  const explicit = v.primary.resources && Object.keys(v.primary.resources).length > 0;
  const resources = explicit ? v.primary.resources : (RESOURCE_PRESETS[v.primary.resourcesPreset] ?? {});
  return {
    fullname,
    image,
    secretName,
    generateSecret: !auth.existingSecret,
    generatedPasswords: { 'postgres-password': auth.postgresPassword, password: auth.password },
    secretFiles,
    env,
    resources,
    persistence: {
      enabled: v.primary.persistence.enabled !== false,
      size: String(v.primary.persistence.size),
      storageClass: v.primary.persistence.storageClass || v.global.defaultStorageClass || v.global.storageClass || '',
      accessModes: [...(v.primary.persistence.accessModes ?? ['ReadWriteOnce'])],
    },
    serverSettings: parseConf(v.primary.extendedConfiguration || ''),
    computedValues: v,
  };
}

function atLeast(version, floor) {
  const a = String(version ?? '0')
    .split('.')
    .map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < b.length; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i];
  return true;
}

function imageReference(image, globalRegistry) {
  const registry = globalRegistry || image.registry;
  const repo = `${registry ? `${registry}/` : ''}${image.repository}`;
  return image.digest ? `${repo}@${image.digest}` : `${repo}:${image.tag}`;
}

function parseConf(text) {
  const out = {};
  for (const line of String(text).split('\n')) {
    const m = line.match(/^\s*([a-z_.]+)\s*=\s*'?([^'#]*?)'?\s*(#.*)?$/i);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

// After 2025-08-28 docker.io/bitnami keeps `latest` only; versioned tags live on in bitnamilegacy.
// Returns the container runtime's pull error (minikube's Docker runtime wording), or null.
export function imagePullError(image) {
  const m = image.match(/^(?:docker\.io\/)?([^:@]+)(?::([^@]+))?(?:@(.+))?$/);
  if (!m) return `Error response from daemon: invalid reference format`;
  const [, repo, tag, digest] = m;
  const missing = manifestUnknown(image);
  if (repo === 'bitnami/postgresql') return tag === 'latest' && !digest ? null : missing;
  if (repo === 'bitnamilegacy/postgresql') {
    const known = digest ? CATALOG.legacyDigests.includes(digest) : CATALOG.legacyTags.includes(tag);
    return known ? null : missing;
  }
  return null; // another registry: a mirror the simulation cannot judge
}

// Docker Hub's anonymous pull limit as the node's Docker daemon reports it (minikube's docker driver).
export function pullRateLimited(image) {
  const fromHub = /^(docker\.io\/|registry-1\.docker\.io\/)/.test(image) || !/^[^/]+[.:][^/]*\//.test(image);
  if (!fromHub) return null;
  return (
    'Error response from daemon: toomanyrequests: You have reached your unauthenticated pull rate limit. ' +
    'https://www.docker.com/increase-rate-limit'
  );
}

export function manifestUnknown(image) {
  return (
    `Error response from daemon: manifest for ${image.replace(/^docker\.io\//, '')} not found: manifest ` +
    `unknown: manifest unknown`
  );
}

export function quantityBytes(q) {
  const m = String(q).match(/^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/);
  if (!m) return null;
  const mult = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]] ?? 1;
  return Math.round(Number(m[1]) * mult);
}
