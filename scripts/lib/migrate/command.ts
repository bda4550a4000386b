// What every migrate action shares: the command users type, the resolved config, and the pod pair.
import type { ConfigValues } from '../cli/option-spec.ts';
import type { HeldLock } from '../target/maintenance-lock.ts';
import type { PodSession } from '../target/pod-session.ts';
import type { MigrationFile } from '../schema/migration-files.ts';
import type { PodShell } from './dbmate-in-pod.ts';
import type { MIGRATE_OPTIONS } from './options.ts';

export type MigrateConfig = ConfigValues<typeof MIGRATE_OPTIONS>;
export const MIGRATE_CMD = 'npm run -s db:migrate --';
export const fileName = (f: MigrationFile): string => f.path.split('/').at(-1) ?? f.path;

/** The lock's session and the shell started beside it. */
export interface InPod {
  session: PodSession;
  shell: PodShell;
  /** The maintenance lock held for a change (its facts name a safety backup). */
  lock?: HeldLock | null;
}
