// The credentials Secret deploy creates before helm and passes as auth.existingSecret.
import { randomBytes } from 'node:crypto';
import { SECRET_KEYS } from '../cluster/app-connection.ts';

/** 32 URL-safe characters (192 bits): fits a connection string without escaping. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export function credentialsSecretManifest(o: {
  name: string;
  namespace: string;
  release: string;
  adminPassword: string;
  userPassword: string;
}): object {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      // Not Helm-managed on purpose: `helm uninstall` must not delete the passwords of the data.
      labels: { 'app.kubernetes.io/managed-by': 'postgres-k8s-setup', 'app.kubernetes.io/instance': o.release },
    },
    data: { [SECRET_KEYS.admin]: b64(o.adminPassword), [SECRET_KEYS.user]: b64(o.userPassword) },
  };
}
