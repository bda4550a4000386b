// Does the password we print open the database? Checked the way an app connects (TCP, md5), from
// where the server is: in the pod for a cluster, on this machine for the local target. The password
// goes in on stdin, never in an argv.
import { collectOutput, execErrorLine, spawnOnTarget, type ExecTarget } from '../target/spawn.ts';
import { isPasswordRejected } from '../target/pod-sql.ts';

export type LoginCheck = { ok: true } | { ok: false; rejected: boolean; reason: string };

const LOGIN =
  'IFS= read -r PGPASSWORD || [ -n "$PGPASSWORD" ]; export PGPASSWORD PGCONNECT_TIMEOUT=5; ' +
  'exec psql -X -w -h 127.0.0.1 -p "$1" -U "$2" -d "$3" -Atqc "select 1"';

export async function checkLogin(
  t: ExecTarget,
  o: { port: number; user: string; database: string; password: string },
): Promise<LoginCheck> {
  const child = spawnOnTarget(t, ['sh', '-c', LOGIN, 'sh', String(o.port), o.user, o.database], true);
  const done = collectOutput(child);
  child.stdin?.end(`${o.password}\n`);
  const r = await done;
  if (r.exitCode === 0 && r.stdout.trim() === '1') return { ok: true };
  return { ok: false, rejected: isPasswordRejected(r.stderr), reason: execErrorLine(r.stderr) };
}
