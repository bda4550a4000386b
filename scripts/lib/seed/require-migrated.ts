// Seeds go into the schema the migrations make: refused while any migration is not applied.
import { notOkError } from '../cli/errors.ts';
import { readApplied } from '../schema/migration-state.ts';
import type { PodSession } from '../target/pod-session.ts';

export async function requireMigrated(session: PodSession, local: string[]): Promise<void> {
  const applied = new Set((await readApplied(session)).map((a) => a.version));
  const pending = local.filter((v) => !applied.has(v));
  if (!applied.size)
    throw notOkError(
      'the schema is missing: no migration is applied, so there is nothing to seed into',
      'npm run -s db:migrate',
    );
  if (pending.length)
    throw notOkError(
      `the schema is behind: ${pending.length} migration(s) not applied (${pending.join(', ')})`,
      'npm run -s db:migrate',
    );
}
