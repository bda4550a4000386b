// How an application reaches the chart's database: in-cluster URL, parts, Secret keys, local access.
// deploy reports it; url prints it.
import { chartNames } from './chart-names.ts';
import { maskConnectionString } from '../cli/redact.ts';
import type { Kubectl } from './kubectl.ts';

/** The credentials Secret's keys, as the chart's auth.existingSecret expects them. */
export const SECRET_KEYS = { admin: 'postgres-password', user: 'password' } as const;

export interface ConnectionInfo {
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  secret: string;
  secretKeys: { user: string; admin: string };
  portForward: string;
}

/**
 * postgresql://user:password@host:port/database, user, password and database percent-encoded (libpq
 * decodes them): a password with @ / : # ? stays one password, and masking hides all of it.
 */
export function appUrl(
  o: { user: string; password: string; host: string; port: number; database: string },
  show: boolean,
): string {
  const e = encodeURIComponent;
  const text = `postgresql://${e(o.user)}:${e(o.password)}@${o.host}:${o.port}/${e(o.database)}`;
  return show ? text : maskConnectionString(text);
}

export function connectionInfo(o: {
  release: string;
  namespace: string;
  database: string;
  user: string;
  secret: string;
  password?: string;
  showSecrets: boolean;
}): ConnectionInfo {
  const { service } = chartNames(o.release);
  const host = `${service}.${o.namespace}.svc.cluster.local`;
  return {
    url: appUrl({ ...o, password: o.password ?? '****', host, port: 5432 }, o.showSecrets),
    host,
    port: 5432,
    database: o.database,
    user: o.user,
    secret: o.secret,
    secretKeys: { user: SECRET_KEYS.user, admin: SECRET_KEYS.admin },
    portForward: `kubectl port-forward -n ${o.namespace} svc/${service} 5432:5432`,
  };
}

/** The connection as deploy reports it: the password is read from the Secret only when it will be shown. */
export async function readConnection(
  kubectl: Kubectl,
  o: { release: string; namespace: string; database: string; user: string; secret: string; showSecrets: boolean },
): Promise<ConnectionInfo> {
  const password = o.showSecrets
    ? await readUserPassword(kubectl, { name: o.secret, namespace: o.namespace })
    : undefined;
  return connectionInfo({ ...o, password });
}

/** The app user's password from the Secret (a read), or undefined when the Secret or its key is missing. */
export async function readUserPassword(
  kubectl: Kubectl,
  o: { name: string; namespace: string },
): Promise<string | undefined> {
  const secret = (await kubectl.getJson('secret', o.name, o.namespace)) as { data?: Record<string, string> } | null;
  const b64 = secret?.data?.[SECRET_KEYS.user];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}
