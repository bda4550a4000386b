// The Kubernetes names a script will use (namespace, release, Secret), checked before any call: the API
// server would refuse them later, after other changes were made.
import { usageError } from './errors.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// A Secret's name is a DNS-1123 subdomain: labels joined by "." (apimachinery IsDNS1123Subdomain).
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The Kubernetes names a script will use, checked before any call (the API server would refuse them later). */
export function checkKubernetesNames(o: { namespace: string; release: string; secret?: string | undefined }): void {
  if (!DNS_LABEL.test(o.namespace) || o.namespace.length > 63) {
    throw usageError(
      `namespace "${o.namespace}" is not a valid name (lower-case letters, digits, "-", at most 63)`,
      'pass e.g. --namespace postgres',
    );
  }
  // Helm refuses release names over 53 characters: the chart appends suffixes to them.
  if (!DNS_LABEL.test(o.release) || o.release.length > 53) {
    throw usageError(
      `release "${o.release}" is not a valid name (lower-case letters, digits, "-", at most 53)`,
      'pass e.g. --release postgresql',
    );
  }
  if (o.secret !== undefined && (!DNS_SUBDOMAIN.test(o.secret) || o.secret.length > 253)) {
    throw usageError(
      `secret name "${o.secret}" is not a valid name (lower-case letters, digits, "-" and ".", at most 253)`,
      `pass e.g. --secret-name ${o.release}-credentials`,
    );
  }
}
