// port-forward.ts's flags, each with its env twin; the shared ones come first.
import { COMMON_OPTIONS } from '../cli/common-options.ts';
import type { OptionSpec } from '../cli/option-spec.ts';
import { APP_OPTIONS } from '../cluster/app-options.ts';

export const PORT_FORWARD_OPTIONS = [
  ...COMMON_OPTIONS,
  ...APP_OPTIONS,
  {
    name: 'port',
    flag: 'port',
    env: 'PG_LOCAL_PORT',
    type: 'integer',
    default: 5432,
    description: 'local port to listen on (taken: the next free one, said so)',
  },
  {
    name: 'background',
    flag: 'background',
    env: 'PG_PORT_FORWARD_BACKGROUND',
    type: 'boolean',
    description: 'leave it running, detached, and return at once (pid and port recorded in .pgk8s/)',
  },
  {
    name: 'stop',
    flag: 'stop',
    env: 'PG_PORT_FORWARD_STOP',
    type: 'boolean',
    description: 'end the recorded port-forward of this release',
  },
] as const satisfies readonly OptionSpec[];
