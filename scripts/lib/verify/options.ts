// verify.ts's flags, each with its env twin; the shared ones come first.
import { COMMON_OPTIONS } from '../cli/common-options.ts';
import type { OptionSpec } from '../cli/option-spec.ts';
import { SECRET_NAME_OPTION } from '../cluster/app-options.ts';

export const VERIFY_OPTIONS = [
  ...COMMON_OPTIONS,
  {
    name: 'wait',
    flag: 'wait',
    env: 'PG_VERIFY_WAIT',
    type: 'duration',
    default: '0',
    description: 'poll until healthy or this much time has passed, e.g. 2m (0: one pass)',
  },
  {
    name: 'migrationsDir',
    flag: 'migrations-dir',
    env: 'PG_MIGRATIONS_DIR',
    type: 'string',
    default: 'db/migrations',
    description: 'local migrations, to count the pending ones',
  },
  SECRET_NAME_OPTION,
] as const satisfies readonly OptionSpec[];
