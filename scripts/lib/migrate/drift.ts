// An applied migration never runs again, so an edit to its file is refused until it is resolved.
import { notOkError } from '../cli/errors.ts';
import type { MigrationPlan } from '../schema/migration-plan.ts';
import { MIGRATE_CMD } from './command.ts';

export function refuseDrift(plan: MigrationPlan, what: string): void {
  const [d] = plan.drifted;
  if (!d) return;
  throw notOkError(
    `${d.file.path} changed since it was applied (sha256 ${d.appliedSha256.slice(0, 12)}… then, ` +
      `${d.file.sha256.slice(0, 12)}… ` +
      `now)${plan.drifted.length > 1 ? ` and ${plan.drifted.length - 1} more` : ''}; ${what} refused: an applied ` +
      `migration never runs again, so the edit would never reach this database`,
    `restore the applied content (git checkout -- ${d.file.path}) and put the change in a new migration ` +
      `(${MIGRATE_CMD} new NAME), or, if the database already matches the edit, ${MIGRATE_CMD} accept ` +
      `${d.file.version}`,
  );
}
