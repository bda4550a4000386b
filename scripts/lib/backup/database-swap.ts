// The restore's last step: the scratch database, which now holds the whole backup, takes the live
// database's name, and the live one is dropped. What belongs to the database and not to any backup of
// it (connection limit, privileges, settings, per-role settings, comment) is copied over first, from
// the state read before the restore. A database with sessions on it cannot be renamed, so the live one
// stops taking new connections, its sessions are ended, and both renames commit together. All of it is
// one request: the psql in the pod finishes it even if this process dies half-way, and on any failure
// it lets connections in again, so the live database is never left closed.
import { toolError } from '../cli/errors.ts';
import type { PodSession } from '../target/pod-session.ts';
import { sessionName } from '../target/session-tag.ts';
import { sqlIdent as ident, sqlLiteral as lit } from '../schema/sql-quote.ts';
import { setSql, type RoleState } from './role-guard.ts';

/** Settings and comment of the live database that the role guard does not hold: other roles', read now. */
function extrasSql(live: string, appUser: string): string {
  const db = `(select oid from pg_database where datname = ${lit(live)})`;
  return (
    "select json_build_object('comment', shobj_description(" +
    `${db}, 'pg_database'), 'roleSettings', coalesce((select json_agg(json_build_object('role', r.rolname, ` +
    "'config', s.setconfig)) from pg_db_role_setting s join pg_roles r on r.oid = s.setrole " +
    `where s.setdatabase = ${db} and r.rolname <> ${lit(appUser)}), '[]'))::text`
  );
}

interface Extras {
  comment: string | null;
  roleSettings: Array<{ role: string; config: string[] }>;
}

/** SQL that gives `scratch` the live database's own state (`before`, as read before the restore). */
export function copyStateSql(before: RoleState, extras: Extras, live: string, scratch: string): string[] {
  const d = before.database;
  const db = ident(scratch);
  const app = ident(String(before.role.rolname));
  const sql = [
    `alter database ${db} with connection limit ${d.datconnlimit}`,
    // There is no ALTER for a whole ACL; the superuser sets the catalog's column, as the role guard does.
    `update pg_database set datacl = ${d.datacl === null ? 'null' : `${lit(d.datacl)}::aclitem[]`} ` +
      `where datname = ${lit(scratch)}`,
    `alter database ${db} reset all`,
    ...before.databaseSettings.map((c) => setSql(`alter database ${db}`, c)),
    ...before.roleSettings
      .filter((s) => s.db === live)
      .flatMap((s) => s.config.map((c) => setSql(`alter role ${app} in database ${db}`, c))),
    ...extras.roleSettings.flatMap((s) =>
      s.config.map((c) => setSql(`alter role ${ident(s.role)} in database ${db}`, c)),
    ),
  ];
  if (extras.comment !== null) sql.push(`comment on database ${db} is ${lit(extras.comment)}`);
  return sql;
}

/** The psql script that swaps them: it prints `<sessions of others ended>|<t if swapped>`. */
export function swapSql(live: string, scratch: string, replaced: string): string {
  const [l, s, r] = [ident(live), ident(scratch), ident(replaced)];
  return [
    `alter database ${l} with allow_connections false;`,
    // This run's own sessions (the lock's) end too, but are not the user's to be told about.
    `select coalesce(sum((pg_terminate_backend(pid) and not starts_with(coalesce(application_name, ''), ` +
      `${lit(sessionName(''))}))::int), 0) as pgk8s_ended from pg_stat_activity where datname = ${lit(live)} ` +
      'and pid <> pg_backend_pid() \\gset',
    // RENAME waits (up to 5 s) for ended sessions to go; in one transaction, both renames or neither.
    'begin;',
    `alter database ${l} rename to ${r};`,
    `alter database ${s} rename to ${l};`,
    'commit;',
    `select exists (select 1 from pg_database where datname = ${lit(replaced)}) as pgk8s_swapped \\gset`,
    '\\if :pgk8s_swapped',
    '\\else',
    `alter database ${l} with allow_connections true;`,
    '\\endif',
    "select :pgk8s_ended || '|' || :'pgk8s_swapped';",
  ].join('\n');
}

export interface Swapped {
  /** Sessions of others (the app's) that were ended. */
  ended: number;
  /** The replaced database could not be dropped: why, and it is left under `replaced`. */
  dropError: string | null;
  replaced: string;
}

/** `admin`: the superuser, in a database that is neither of the two. */
export async function swapIn(
  admin: PodSession,
  o: { before: RoleState; live: string; scratch: string },
): Promise<Swapped> {
  const appUser = String(o.before.role.rolname);
  const extrasRow = await admin.query(extrasSql(o.live, appUser));
  if (extrasRow.error || !extrasRow.rows[0])
    throw toolError(`could not read ${o.live}'s settings: ${extrasRow.error.split('\n')[0]}`);
  const copied = await admin.query(
    `${copyStateSql(o.before, JSON.parse(extrasRow.rows[0]) as Extras, o.live, o.scratch).join(';\n')};`,
  );
  if (copied.error)
    throw toolError(`could not give the restored database ${o.live}'s settings: ${copied.error.split('\n')[0]}`);
  const replaced = o.scratch.replace(/^pgk8s_scratch_/, 'pgk8s_replaced_');
  const swap = await admin.query(swapSql(o.live, o.scratch, replaced));
  const [ended = '0', swapped] = (swap.rows.at(-1) ?? '').split('|');
  if (swapped !== 't')
    throw toolError(
      `could not swap the restored database in for ${o.live}: ${firstError(swap.error)}`,
      'stop what keeps connecting to it, then restore again',
    );
  const dropped = await admin.query(`drop database ${ident(replaced)} with (force)`);
  return { ended: Number(ended), dropError: dropped.error ? dropped.error.split('\n')[0]! : null, replaced };
}

function firstError(stderr: string): string {
  return stderr.split('\n').find((l) => /ERROR/.test(l)) ?? 'no answer';
}
