// How an application reaches the database deploy made: in-cluster URL, parts, Secret, local access.
import { chartNames } from '../cluster/chart-names.ts';
import { maskConnectionString } from '../cli/redact.ts';
import type { Kubectl } from '../cluster/kubectl.ts';
import { SECRET_KEYS } from './credentials.ts';
import { readUserPassword } from './credentials-secret.ts';

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
  const url = `postgresql://${o.user}:${o.password ?? '****'}@${host}:5432/${o.database}`;
  return {
    url: o.showSecrets ? url : maskConnectionString(url),
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
