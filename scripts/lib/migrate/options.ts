// migrate.ts's flags, each with its env twin; the shared ones come first.
import { COMMON_OPTIONS } from '../cli/common-options.ts';
import type { OptionSpec } from '../cli/option-spec.ts';

export const MIGRATE_OPTIONS = [
  ...COMMON_OPTIONS,
  {
    name: 'migrationsDir',
    flag: 'migrations-dir',
    env: 'PG_MIGRATIONS_DIR',
    type: 'string',
    default: 'db/migrations',
    description: 'the dbmate migration files',
  },
  {
    name: 'steps',
    flag: 'steps',
    env: 'PG_MIGRATE_STEPS',
    type: 'integer',
    default: 1,
    description: 'with rollback: how many migrations to undo, newest first',
  },
  {
    name: 'to',
    flag: 'to',
    env: 'PG_MIGRATE_TO',
    type: 'string',
    description: 'with rollback: undo every migration newer than this applied VERSION (0: all of them)',
  },
  // The same env twin as backup's --dir: one place for backups, whoever takes them.
  {
    name: 'backupDir',
    flag: 'backup-dir',
    env: 'PG_BACKUP_DIR',
    type: 'string',
    default: 'backups',
    description: 'with rollback: where the safety backup goes when the rollback drops tables holding rows',
  },
  {
    name: 'dryRun',
    flag: 'dry-run',
    env: 'PG_DRY_RUN',
    type: 'boolean',
    default: false,
    description: 'list what up or rollback would do and change nothing',
  },
  {
    name: 'allowOutOfOrder',
    flag: 'allow-out-of-order',
    env: 'PG_MIGRATE_ALLOW_OUT_OF_ORDER',
    type: 'boolean',
    default: false,
    description: 'apply a pending file that sorts before an applied one (default: refuse, dbmate --strict)',
  },
  {
    name: 'lockWait',
    flag: 'lock-wait',
    env: 'PG_MIGRATE_LOCK_WAIT',
    type: 'duration',
    default: '30s',
    description: 'how long to wait for another migration, backup or restore to finish',
  },
  {
    name: 'lockTimeout',
    flag: 'lock-timeout',
    env: 'PG_MIGRATE_LOCK_TIMEOUT',
    type: 'duration',
    default: '5s',
    description:
      "how long a migration's statement may wait for a table lock (lock_timeout, 0: forever; a file's SET wins)",
  },
  {
    name: 'statementTimeout',
    flag: 'statement-timeout',
    env: 'PG_MIGRATE_STATEMENT_TIMEOUT',
    type: 'duration',
    description: 'how long one statement of a migration may run (statement_timeout; default and 0: no limit)',
  },
  // No env twins: a lint rule let through for good belongs in .squawk.toml or the file, where review sees it.
  {
    name: 'allow',
    flag: 'allow',
    type: 'string',
    description: 'RULE[,RULE]: let these blocking lint rules through for this run (up and lint say so)',
  },
  {
    name: 'pending',
    flag: 'pending',
    type: 'boolean',
    description: 'with lint: only the files not yet applied (asks the database which)',
  },
  {
    name: 'dbmateBinary',
    flag: 'dbmate-binary',
    env: 'DBMATE_POD_BINARY',
    type: 'string',
    description: "Linux dbmate binary to copy into the pod (default: the one for the pod's architecture from npm)",
  },
] as const satisfies readonly OptionSpec[];
