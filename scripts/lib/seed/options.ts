// seed.ts's flags, each with its env twin; the shared ones come first.
import { COMMON_OPTIONS } from '../cli/common-options.ts';
import type { OptionSpec } from '../cli/option-spec.ts';

export const SEED_OPTIONS = [
  ...COMMON_OPTIONS,
  {
    name: 'dir',
    flag: 'dir',
    env: 'PG_SEED_DIR',
    type: 'string',
    default: 'db/seeds',
    description: 'the seed files (YAML or JSON), applied in name order',
  },
  {
    name: 'update',
    flag: 'update',
    env: 'PG_SEED_UPDATE',
    type: 'boolean',
    default: false,
    description: "overwrite existing seeded rows with the files' values (default: leave them alone)",
  },
  { name: 'only', flag: 'only', env: 'PG_SEED_ONLY', type: 'string', description: 'seed this table only' },
  {
    name: 'dryRun',
    flag: 'dry-run',
    env: 'PG_DRY_RUN',
    type: 'boolean',
    default: false,
    description: 'report what would be inserted and updated, then roll back',
  },
  {
    name: 'migrationsDir',
    flag: 'migrations-dir',
    env: 'PG_MIGRATIONS_DIR',
    type: 'string',
    default: 'db/migrations',
    description: 'local migrations: seeding needs all of them applied',
  },
  {
    name: 'passwordsFile',
    flag: 'passwords-file',
    env: 'PG_SEED_PASSWORDS_FILE',
    type: 'string',
    default: '.secrets/seed-passwords',
    description: 'where generated passwords are written (0600, git-ignored)',
  },
  {
    name: 'lockWait',
    flag: 'lock-wait',
    env: 'PG_MIGRATE_LOCK_WAIT',
    type: 'duration',
    default: '30s',
    description: 'how long to wait for a running migration, backup or restore',
  },
] as const satisfies readonly OptionSpec[];
