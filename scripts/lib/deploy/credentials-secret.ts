// Make sure the credentials Secret exists before helm runs: read first, create once, never overwrite.
import { chartNames } from '../cluster/chart-names.ts';
import { credentialsSecretManifest, generatePassword } from './credentials.ts';
import { SECRET_KEYS } from '../cluster/app-connection.ts';
import { toolError } from '../cli/errors.ts';
import { createFromStdinArgs, kubectlFailureError, type Kubectl } from '../cluster/kubectl.ts';
import { registerSecret } from '../cli/redact.ts';

interface SecretJson {
  data?: Record<string, string>;
}

export async function ensureCredentialsSecret(
  kubectl: Kubectl,
  o: { name: string; namespace: string; release: string; context: string; dryRun?: boolean },
): Promise<'exists' | 'created' | 'would-create'> {
  const secret = (await kubectl.getJson('secret', o.name, o.namespace)) as SecretJson | null;
  if (secret) {
    const missing = Object.values(SECRET_KEYS).filter((k) => !secret.data?.[k]);
    if (missing.length) {
      throw toolError(
        `Secret ${o.namespace}/${o.name} lacks the key(s) ${missing.join(', ')}`,
        `add them (kubectl edit secret ${o.name} -n ${o.namespace}) or pass --secret-name for another Secret`,
      );
    }
    return 'exists';
  }
  // Credentials are set on the first boot only: old data with new passwords would never log in.
  const { pvc } = chartNames(o.release);
  if (await kubectl.getJson('pvc', pvc, o.namespace)) {
    throw toolError(
      `volume ${o.namespace}/${pvc} holds data from an earlier install but Secret ${o.name} is gone; its passwords ` +
        `live in that data, so new ones would not match`,
      `restore Secret ${o.name} (keys ${SECRET_KEYS.user}, ${SECRET_KEYS.admin}) with the old passwords, or drop ` +
        `the old data: kubectl delete pvc ${pvc} -n ${o.namespace}`,
    );
  }
  if (o.dryRun) return 'would-create';
  const adminPassword = generatePassword();
  const userPassword = generatePassword();
  registerSecret(adminPassword);
  registerSecret(userPassword);
  const manifest = credentialsSecretManifest({ ...o, adminPassword, userPassword });
  const r = await kubectl.run(createFromStdinArgs(o.namespace), { input: JSON.stringify(manifest) });
  if (r.exitCode !== 0) {
    // Another deploy won the race: its Secret is the one to keep.
    if (r.stderr.includes('(AlreadyExists)')) return 'exists';
    throw kubectlFailureError(r, { context: o.context, what: `create secret ${o.name}` });
  }
  return 'created';
}

export async function ensureNamespace(kubectl: Kubectl, o: { namespace: string; context: string }): Promise<boolean> {
  if (await kubectl.getJson('namespace', o.namespace)) return false;
  const r = await kubectl.run(['create', 'namespace', o.namespace]);
  if (r.exitCode !== 0 && !r.stderr.includes('(AlreadyExists)'))
    throw kubectlFailureError(r, { context: o.context, what: `create namespace ${o.namespace}` });
  return true;
}
