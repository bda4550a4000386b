// What a change to the data volume needs. The chart renders size, StorageClass and access modes into the
// StatefulSet's volumeClaimTemplates, which the API server never lets an update change; so helm must not be
// sent such a change as it is. A bigger size on a class that allows expansion grows the claim itself, then the
// StatefulSet is recreated around the running pod; anything else is refused before any call that changes state.
import { usageError } from '../cli/errors.ts';
import { shWord } from '../cli/sh-quote.ts';
import { quantityBytes } from '../cluster/quantity.ts';

export interface VolumeSpec {
  size: string;
  storageClass: string;
  accessModes: string[];
}

/** The data volume's claim as the cluster has it. */
export interface ClaimFacts {
  name: string;
  requested: string;
  capacity: string | null;
  storageClass: string;
  accessModes: string[];
  /** The claim's StorageClass has allowVolumeExpansion: true. */
  expandable: boolean;
}

/** What the cluster holds: the live StatefulSet's volume template and the claim its pod uses (null: none). */
export interface LiveVolume {
  template: VolumeSpec | null;
  claim: ClaimFacts | null;
}

export type StoragePlan =
  | { kind: 'unchanged' }
  /** The claim already has what is asked for: only the StatefulSet's template must follow. */
  | { kind: 'recreate-statefulset' }
  /** Grow the claim, then recreate the StatefulSet (when there is one) with the new template. */
  | { kind: 'grow'; claim: string; from: string; to: string }
  | { kind: 'refuse'; reason: string };

// The chart's defaults (values.yaml primary.persistence) for what a release's values leave out.
const CHART_DEFAULT: VolumeSpec = { size: '8Gi', storageClass: '', accessModes: ['ReadWriteOnce'] };

/** primary.persistence from a release's values, with the chart's defaults. */
export function volumeSpec(values: Record<string, unknown>): VolumeSpec {
  const primary = (values.primary ?? {}) as { persistence?: Partial<VolumeSpec> };
  const p = primary.persistence ?? {};
  return {
    size: String(p.size ?? CHART_DEFAULT.size),
    storageClass: String(p.storageClass ?? CHART_DEFAULT.storageClass),
    accessModes: Array.isArray(p.accessModes) ? p.accessModes.map(String) : CHART_DEFAULT.accessModes,
  };
}

const bytes = (q: string | null): number => (q === null ? 0 : (quantityBytes(q) ?? 0));
const sameModes = (a: string[], b: string[]): boolean => [...a].sort().join(',') === [...b].sort().join(',');

function templateMatches(t: VolumeSpec, d: VolumeSpec): boolean {
  const sameClass = !d.storageClass || t.storageClass === d.storageClass;
  return sameClass && sameModes(t.accessModes, d.accessModes) && bytes(t.size) === bytes(d.size);
}

/**
 * Only a template that would change can make helm's update fail; the claim (it holds the data) decides what
 * that change needs. With no StatefulSet yet (a first install over a claim an uninstall kept), the claim must
 * still end up with the size asked for, or deploy would report a volume it did not make.
 */
export function planStorage(live: LiveVolume, desired: VolumeSpec): StoragePlan {
  const { claim, template } = live;
  if (template && templateMatches(template, desired)) return { kind: 'unchanged' };
  const follow: StoragePlan = template ? { kind: 'recreate-statefulset' } : { kind: 'unchanged' };
  if (!claim) return follow;
  if (desired.storageClass && claim.storageClass !== desired.storageClass) {
    return {
      kind: 'refuse',
      reason:
        `the data volume's StorageClass cannot change in place (${claim.storageClass} → ${desired.storageClass}): ` +
        `${claim.name} keeps the class it was made with`,
    };
  }
  if (!sameModes(claim.accessModes, desired.accessModes)) {
    return {
      kind: 'refuse',
      reason:
        `the data volume's access modes cannot change in place (${claim.accessModes.join(',')} → ` +
        `${desired.accessModes.join(',')}): ${claim.name} keeps the modes it was made with`,
    };
  }
  const has = claim.capacity ?? claim.requested;
  if (bytes(desired.size) < bytes(has)) {
    if (!template) return follow;
    return {
      kind: 'refuse',
      reason: `the data volume cannot shrink (${claim.name} has ${has}, asked ${desired.size}): a claim only grows`,
    };
  }
  if (bytes(desired.size) <= bytes(claim.requested)) return follow;
  if (!claim.expandable) {
    return {
      kind: 'refuse',
      reason:
        `StorageClass ${claim.storageClass} does not allow volume expansion (allowVolumeExpansion is not true), ` +
        `so ${claim.name} cannot grow from ${claim.requested} to ${desired.size} in place`,
    };
  }
  return { kind: 'grow', claim: claim.name, from: claim.requested, to: desired.size };
}

/**
 * The way out of a refused change that works on every class: back up, deploy a new release with the volume
 * asked for, restore into it. `deployArgs` are the user's own deploy flags, so the new release is the same
 * but for its name.
 */
export function refuseStorageChange(plan: { reason: string }, o: { release: string; deployArgs: string[] }): never {
  const next = `${o.release}-2`;
  const file = `backups/${o.release}-before-volume-change.dump`;
  const args = dropFlags(o.deployArgs, ['--release', '--upgrade', '--json', '--dry-run', '--yes']).map(shWord);
  throw usageError(
    `${plan.reason}; nothing changed`,
    `npm run -s db:backup -- --out ${file} && npm run -s db:deploy -- ${[...args, '--release', next].join(' ')} && ` +
      `npm run -s db:backup -- restore ${file} --release ${next} --yes`,
  );
}

// Removes flags (and the value after those that take one: only --release here) in both spellings.
function dropFlags(argv: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const name = a.split('=')[0] ?? a;
    if (!flags.includes(name)) out.push(a);
    else if (name === '--release' && !a.includes('=')) i++;
  }
  return out;
}
