// The values deploy hands to helm: helm-values/base.yaml, an optional overlay, and this run's settings.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { YAML } from 'zx';
import { usageError } from '../cli/errors.ts';
import { mergeValues } from './values-diff.ts';

export const VALUES_DIR = fileURLToPath(new URL('../../../helm-values/', import.meta.url));

export function valuesFiles(overlay: string | undefined): string[] {
  const files = [`${VALUES_DIR}base.yaml`];
  if (overlay) {
    const file = `${VALUES_DIR}${overlay}.yaml`;
    if (!/^[a-z0-9-]+$/.test(overlay) || !existsSync(file)) {
      throw usageError(
        `values overlay "${overlay}" not found (no helm-values/${overlay}.yaml)`,
        'pass --overlay minikube, or add the file',
      );
    }
    files.push(file);
  }
  return files;
}

export function runtimeValues(o: {
  secret: string;
  user: string;
  database: string;
  storageSize: string;
  storageClass: string;
}): Record<string, unknown> {
  if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$/.test(o.storageSize)) {
    throw usageError(`storage size "${o.storageSize}" is not a Kubernetes quantity`, 'pass e.g. --storage-size 8Gi');
  }
  return {
    auth: { existingSecret: o.secret, username: o.user, database: o.database },
    primary: { persistence: { size: o.storageSize, storageClass: o.storageClass } },
  };
}

/** What `helm get values` will report after the install: the files and the runtime layer merged. */
export function desiredValues(files: readonly string[], runtime: Record<string, unknown>): Record<string, unknown> {
  const layers = files.map((f) => (YAML.parse(readFileSync(f, 'utf8')) ?? {}) as Record<string, unknown>);
  return mergeValues(...layers, runtime);
}
