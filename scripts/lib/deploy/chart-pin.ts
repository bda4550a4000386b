// The chart deploy installs, pinned together with the image in helm-values/base.yaml.
// 16.7.27 is the last chart released before Bitnami's 2025-08-28 catalog change; its default tag
// lives on, frozen, in docker.io/bitnamilegacy (PostgreSQL 17.6 on Debian 12).
export const CHART = {
  ref: 'oci://registry-1.docker.io/bitnamicharts/postgresql',
  name: 'postgresql',
  version: '16.7.27',
  appVersion: '17.6.0',
} as const;

/** "17.6.0" → 17: a data directory only opens with the major version that wrote it. */
export function postgresMajor(appVersion: string): number | null {
  const m = /^(\d+)\./.exec(appVersion.trim());
  return m ? Number(m[1]) : null;
}
