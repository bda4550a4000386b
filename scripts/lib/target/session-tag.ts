// Every server session one run opens carries the same application_name prefix, so the run can find
// its own sessions in pg_stat_activity: killing kubectl does not stop the process it started in the
// pod (kubernetes#89031), and a restore left running there could still commit.
import { randomBytes } from 'node:crypto';

const RUN_TAG = `pgk8s-${randomBytes(4).toString('hex')}`;

/** `pgk8s-1a2b3c4d-restore`: what pg_stat_activity shows for this run's `job`. */
export const sessionName = (job: string): string => `${RUN_TAG}-${job}`;

/** `from pg_stat_activity where …`: this run's sessions of `job`, to watch or end them. */
export const sessionsOf = (job: string): string =>
  `from pg_stat_activity where application_name = '${sessionName(job)}'`;

/** sh fragment that names the sessions of the command after it. */
export const appNameExport = (job: string): string => `export PGAPPNAME=${sessionName(job)};`;
