// The same backup against raw tools that give what backup.ts promises besides the file: pg_dump's output
// read to its end by pg_restore inside the pod as it streams (tee into a fifo), and the local file's sha256.
// What is left of the ratio is the script's own work; the gap to backup-1m-rows is the guarantee's cost.
import { backupCase } from './backup.ts';

const inPod =
  'export PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"; d=$(mktemp -d); mkfifo "$d/r"; ' +
  'pg_restore -f /dev/null <"$d/r" & r=$!; pg_dump -Fc -U learnflow -d learnflow | tee "$d/r"; ' +
  'wait $r; s=$?; rm -rf "$d"; exit $s';
export default backupCase(
  'backup-1m-rows-vs-same-guarantee',
  (file) => `kubectl exec -n postgres postgresql-0 -- sh -c '${inPod}' > ${file} && sha256sum ${file} >/dev/null`,
);
