// The URL an app connects with, and the password in it, for the cluster (from the credentials Secret,
// read only) or the local target (from its password file). Nothing here writes anything.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { appUrl, connectionInfo, readUserPassword, SECRET_KEYS } from '../cluster/app-connection.ts';
import { secretNameOf } from '../cluster/app-options.ts';
import { chartNames } from '../cluster/chart-names.ts';
import type { Kubectl } from '../cluster/kubectl.ts';
import { toolError } from '../cli/errors.ts';
import { registerSecret } from '../cli/redact.ts';
import { execTarget, LOCAL_DEPLOY, localTarget, type TargetConfig } from '../target/exec-target.ts';
import { localPaths, readLocalState, shownPath } from '../target/local-server.ts';
import type { ExecTarget } from '../target/spawn.ts';

export interface AppUrl {
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** Where the password lives, for messages: "Secret postgres/x" or ".data/secrets/password". */
  passwordStore: string;
  /** With --local: the port-forward the URL needs. */
  portForward: string | null;
  password: string;
  /** Where the login check runs, and the server's port seen from there. */
  check: { target: ExecTarget; port: number };
}

export interface UrlConfig extends TargetConfig {
  database: string;
  user: string;
  secretName?: string;
  local: boolean;
  port: number;
  /** With --local and no --port: the port of this release's running db:port-forward, if any. */
  forwardedPort?: number | null;
  showSecrets: boolean;
}

export async function clusterUrl(kubectl: Kubectl, cfg: UrlConfig): Promise<AppUrl> {
  const secret = secretNameOf(cfg);
  const password = await readUserPassword(kubectl, { name: secret, namespace: cfg.namespace });
  if (password === undefined) {
    const exists = await kubectl.getJson('secret', secret, cfg.namespace);
    throw exists
      ? toolError(
          `Secret ${cfg.namespace}/${secret} has no key "${SECRET_KEYS.user}" (the app password)`,
          `put the key back with the password the data was created with (kubectl edit secret ${secret} -n ` +
            `${cfg.namespace})`,
        )
      : toolError(
          `no Secret ${cfg.namespace}/${secret} with the app password: is PostgreSQL deployed?`,
          cfg.secretName ? `npm run -s db:deploy -- --secret-name ${cfg.secretName}` : 'npm run -s db:deploy',
        );
  }
  registerSecret(password);
  const conn = connectionInfo({ ...cfg, secret, showSecrets: false });
  const service = chartNames(cfg.release).service;
  const host = cfg.local ? '127.0.0.1' : conn.host;
  const port = cfg.local ? (cfg.forwardedPort ?? cfg.port) : conn.port;
  return {
    url: appUrl({ ...cfg, password, host, port }, cfg.showSecrets),
    host,
    port,
    database: cfg.database,
    user: cfg.user,
    passwordStore: `Secret ${cfg.namespace}/${secret}`,
    portForward:
      cfg.local && !cfg.forwardedPort ? `kubectl port-forward -n ${cfg.namespace} svc/${service} ${port}:5432` : null,
    password,
    check: { target: execTarget(cfg, 'password check'), port: 5432 },
  };
}

export function localUrl(cfg: UrlConfig): AppUrl {
  const p = localPaths(resolve(cfg.localDir));
  const s = readLocalState(p);
  if (!s) throw toolError(`no local server in ${shownPath(p.dir)} (is PostgreSQL deployed?)`, LOCAL_DEPLOY);
  let password: string;
  try {
    password = readFileSync(p.appPasswordFile, 'utf8').trim();
  } catch (err) {
    throw toolError(`cannot read ${shownPath(p.appPasswordFile)}: ${(err as Error).message}`, LOCAL_DEPLOY);
  }
  registerSecret(password);
  const o = { user: s.user, password, host: '127.0.0.1', port: s.port, database: s.database };
  return {
    ...o,
    url: appUrl(o, cfg.showSecrets),
    passwordStore: shownPath(p.appPasswordFile),
    portForward: null,
    check: { target: localTarget(p, s), port: s.port },
  };
}
