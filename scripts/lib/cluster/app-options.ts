// The flags of every script that reaches the database as the app: its database, its user, and the
// credentials Secret the chart mounts. One definition, so their env twins and defaults never drift.
import type { OptionSpec } from '../cli/option-spec.ts';

/** The credentials Secret alone, for scripts that need no database or user. */
export const SECRET_NAME_OPTION = {
  name: 'secretName',
  flag: 'secret-name',
  env: 'PG_SECRET_NAME',
  type: 'string',
  description: 'credentials Secret (default: <release>-credentials)',
} as const satisfies OptionSpec;

export const APP_OPTIONS = [
  {
    name: 'database',
    flag: 'database',
    env: 'PG_DATABASE',
    type: 'string',
    default: 'learnflow',
    description: 'application database (owned by the app user)',
  },
  {
    name: 'user',
    flag: 'user',
    env: 'PG_USER',
    type: 'string',
    default: 'learnflow',
    description: 'application user',
  },
  SECRET_NAME_OPTION,
] as const satisfies readonly OptionSpec[];

/** The Secret's name: --secret-name, or the one deploy creates. */
export function secretNameOf(cfg: { secretName?: string | undefined; release: string }): string {
  return cfg.secretName ?? `${cfg.release}-credentials`;
}
