// backup.ts's flags, each with its env twin; the shared ones come first.
import { COMMON_OPTIONS } from '../cli/common-options.ts';
import type { OptionSpec } from '../cli/option-spec.ts';

export const BACKUP_OPTIONS = [
  ...COMMON_OPTIONS,
  {
    name: 'dir',
    flag: 'dir',
    env: 'PG_BACKUP_DIR',
    type: 'string',
    default: 'backups',
    description: 'where backups live (created private, 0700)',
  },
  {
    name: 'out',
    flag: 'out',
    env: 'PG_BACKUP_OUT',
    type: 'string',
    description: 'backup file to write (default: <dir>/<release>-<database>-<UTC time>.dump)',
  },
  {
    name: 'skipSafetyBackup',
    flag: 'skip-safety-backup',
    env: 'PG_RESTORE_SKIP_SAFETY_BACKUP',
    type: 'boolean',
    default: false,
    description: 'with restore: do not back up the current database first',
  },
  {
    name: 'verify',
    flag: 'verify',
    env: 'PG_BACKUP_VERIFY',
    type: 'boolean',
    default: false,
    description: 'with backup: then restore it into a scratch database and count its rows (as backup verify FILE)',
  },
  {
    name: 'dryRun',
    flag: 'dry-run',
    env: 'PG_DRY_RUN',
    type: 'boolean',
    default: false,
    description: 'say what backup, restore, verify or list --keep would do, and change nothing',
  },
  {
    name: 'keep',
    flag: 'keep',
    env: 'PG_BACKUP_KEEP',
    type: 'integer',
    description: 'with list: delete all but the N newest backups of this release and namespace (N ≥ 1)',
  },
] as const satisfies readonly OptionSpec[];
