// url.ts's flags, each with its env twin; the shared ones come first.
import { COMMON_OPTIONS } from '../cli/common-options.ts';
import type { OptionSpec } from '../cli/option-spec.ts';
import { APP_OPTIONS } from '../cluster/app-options.ts';

export const URL_OPTIONS = [
  ...COMMON_OPTIONS,
  ...APP_OPTIONS,
  {
    name: 'dotenv',
    flag: 'env',
    env: 'PG_URL_ENV',
    type: 'boolean',
    description: 'print DATABASE_URL=… ready for a .env file (the verdict becomes a # comment)',
  },
  {
    name: 'local',
    flag: 'local',
    env: 'PG_URL_LOCAL',
    type: 'boolean',
    description: 'the URL through a port-forward on this machine (127.0.0.1:--port) instead of the in-cluster one',
  },
  {
    name: 'port',
    flag: 'port',
    env: 'PG_LOCAL_PORT',
    type: 'integer',
    default: 5432,
    description: 'with --local: the local port the port-forward listens on',
  },
] as const satisfies readonly OptionSpec[];
