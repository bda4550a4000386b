// psql.ts's flags, each with its env twin where one is safe; the shared ones come first.
import { COMMON_OPTIONS } from '../cli/common-options.ts';
import type { OptionSpec } from '../cli/option-spec.ts';

export const PSQL_OPTIONS = [
  ...COMMON_OPTIONS,
  {
    name: 'command',
    flag: 'command',
    short: 'c',
    type: 'list',
    description: 'SQL to run, sent as one request as psql -c does (its last statement is the one shown); in order',
  },
  {
    name: 'file',
    flag: 'file',
    short: 'f',
    type: 'string',
    description:
      'a file of SQL run as psql runs a script (statement by statement); "-" or no flag: stdin. With --json it is ' +
      'one request (SQL only, one implicit transaction; the last result is shown)',
  },
  // No env twin: a read-only default that one line in .env could turn off would be no default.
  {
    name: 'write',
    flag: 'write',
    type: 'boolean',
    description: 'allow changes (the session is read-only without it)',
  },
  {
    name: 'dryRun',
    flag: 'dry-run',
    env: 'PG_DRY_RUN',
    type: 'boolean',
    default: false,
    description: 'with --write: check the SQL and say what would run, run nothing; read-only SQL runs as usual',
  },
  {
    name: 'singleTransaction',
    flag: 'single-transaction',
    short: '1',
    env: 'PG_PSQL_SINGLE_TRANSACTION',
    type: 'boolean',
    description: 'run all the SQL in one transaction: all of it takes effect, or none',
  },
  {
    name: 'maxRows',
    flag: 'max-rows',
    env: 'PG_PSQL_MAX_ROWS',
    type: 'integer',
    default: 1000,
    description: 'with --json: at most this many rows per result (rowCount still counts all; truncated says so)',
  },
] as const satisfies readonly OptionSpec[];
