// What every backup action shares: the command users type, the resolved config, and how sizes and times read.
import type { ConfigValues } from '../cli/option-spec.ts';
import type { BACKUP_OPTIONS } from './options.ts';

export type BackupConfig = ConfigValues<typeof BACKUP_OPTIONS>;
export const BACKUP_CMD = 'npm run -s db:backup --';
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
export const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)}s`;

/** True when the user passed the option on this command line (not an env twin meant for another action). */
export type FlagGiven = (name: keyof BackupConfig) => boolean;
