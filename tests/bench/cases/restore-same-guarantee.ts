// The same restore against raw tools that are all-or-nothing as restore is (issue 16): the archive restored
// whole into a scratch database, swapped in by two renames in one transaction as the superuser, the old one
// dropped. What is left of the ratio is the script's own work; the gap to restore-1m-rows is the guarantee's.
import { restoreCase } from './restore.ts';

const su = (sql: string) => `psql -X -q -U postgres -d postgres -v ON_ERROR_STOP=1 -c "${sql}"`;
const inPod = [
  'export PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")"',
  su('create database bench_scratch owner learnflow template template0'),
  'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" pg_restore --single-transaction --exit-on-error --no-owner ' +
    '-U learnflow -d bench_scratch',
  su('begin; alter database learnflow rename to bench_old; alter database bench_scratch rename to learnflow; commit;'),
  su('drop database bench_old'),
].join(' && ');
export default restoreCase(
  'restore-1m-rows-vs-same-guarantee',
  (file) => `kubectl exec -i -n postgres postgresql-0 -- sh -c '${inPod}' < ${file}`,
);
