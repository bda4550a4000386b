// What a restore must never change: the app role (password, attributes, its settings) and the
// database's own settings. They live outside what a backup of the database holds, yet an archive's
// SQL, run as the app user, can reach them (ALTER ROLE … PASSWORD, ALTER ROLE … SET statement_timeout,
// ALTER DATABASE … SET) and lock the toolkit and the app out. So they are read before the restore as
// the superuser (the app user cannot read its own password hash), compared after it whatever its
// outcome, and put back when they differ; the restore then fails, saying what was put back.
import { toolError } from '../cli/errors.ts';
import type { PodSession } from '../target/pod-session.ts';
import { sqlIdent as ident, sqlLiteral as lit } from '../schema/sql-quote.ts';

export interface RoleState {
  role: Record<string, string | number | boolean | null>;
  /** [database name or '' for all databases, setting 'name=value'] */
  roleSettings: Array<{ db: string; config: string[] }>;
  database: {
    datname: string;
    datconnlimit: number;
    datallowconn: boolean;
    datistemplate: boolean;
    /** Who may connect: the owner can revoke even its own CONNECT and lock everyone out. */
    datacl: string | null;
  };
  databaseSettings: string[];
}

export interface RoleGuard {
  /** The state before the restore, as read when the guard was made. */
  before: RoleState;
  /** What differs from before, put back; [] when nothing did. */
  checkAndRepair(): Promise<string[]>;
}

function stateSql(user: string, database: string): string {
  const role = `(select oid from pg_roles where rolname = ${lit(user)})`;
  return (
    'select json_build_object(' +
    `'role', (select row_to_json(r) from (select rolname, rolpassword, rolvaliduntil::text, rolconnlimit, ` +
    'rolcanlogin, rolinherit, rolcreatedb, rolcreaterole, rolsuper, rolreplication, rolbypassrls ' +
    `from pg_authid where oid = ${role}) r), ` +
    `'roleSettings', (select coalesce(json_agg(json_build_object('db', coalesce(d.datname, ''), 'config', ` +
    `s.setconfig) order by d.datname nulls first), '[]') from pg_db_role_setting s left join pg_database d ` +
    `on d.oid = s.setdatabase where s.setrole = ${role}), ` +
    `'database', (select row_to_json(x) from (select datname, datconnlimit, datallowconn, datistemplate, ` +
    'datacl::text ' +
    `from pg_database where datname = ${lit(database)}) x), ` +
    `'databaseSettings', coalesce((select to_json(s.setconfig) from pg_db_role_setting s where s.setrole = 0 ` +
    `and s.setdatabase = (select oid from pg_database where datname = ${lit(database)})), '[]'))::jsonb::text`
  );
}

/** The app role's state and that of one database, read by the superuser from any database. */
export async function readState(admin: PodSession, user: string, database: string): Promise<RoleState> {
  const r = await admin.query(stateSql(user, database));
  const state = r.rows[0] ? (JSON.parse(r.rows[0]) as RoleState) : null;
  if (r.error || !state?.database)
    throw toolError(`could not read the app role's settings: ${r.error.split('\n')[0] || `no database ${database}`}`);
  return state;
}

// Settings whose value is a list: the stored text "a, b" goes back as two items, as pg_dumpall does.
const LIST_SETTINGS = new Set([
  'search_path',
  'temp_tablespaces',
  'local_preload_libraries',
  'session_preload_libraries',
]);

/** `ALTER … SET name = value` for one stored setting, list settings given back as lists. */
export function setSql(target: string, config: string): string {
  const at = config.indexOf('=');
  const name = config.slice(0, at);
  const value = config.slice(at + 1);
  const values = LIST_SETTINGS.has(name.toLowerCase()) ? value.split(/,\s*/).map(lit).join(', ') : lit(value);
  return `${target} set ${ident(name)} = ${values}`;
}

/** Everything that differs, named without values (a password hash is not for printing). */
export function describeChanges(before: RoleState, after: RoleState): string[] {
  const changes: string[] = [];
  for (const key of Object.keys(before.role))
    if (JSON.stringify(before.role[key]) !== JSON.stringify(after.role[key]))
      changes.push(key === 'rolpassword' ? "the app role's password" : `the app role's ${key.replace(/^rol/, '')}`);
  if (JSON.stringify(before.roleSettings) !== JSON.stringify(after.roleSettings))
    changes.push(`the app role's settings (${settingNames(after.roleSettings.flatMap((s) => s.config))})`);
  for (const key of ['datconnlimit', 'datallowconn', 'datistemplate', 'datacl'] as const)
    if (before.database[key] !== after.database[key])
      changes.push(key === 'datacl' ? "the database's privileges" : `the database's ${key.replace(/^dat/, '')}`);
  if (JSON.stringify(before.databaseSettings) !== JSON.stringify(after.databaseSettings))
    changes.push(`the database's settings (${settingNames(after.databaseSettings)})`);
  return changes;
}

const settingNames = (config: string[]): string => config.map((c) => c.split('=')[0]).join(', ') || 'all reset';

/** SQL that makes `after` what `before` was: each changed attribute set back, the settings re-made. */
export function repairSql(before: RoleState, after: RoleState): string[] {
  const r = before.role;
  const role = ident(String(r.rolname));
  const changed = (key: string): boolean => JSON.stringify(r[key]) !== JSON.stringify(after.role[key]);
  const clauses: string[] = [];
  const flags: Array<[string, string]> = [
    ['rolcanlogin', 'login'],
    ['rolinherit', 'inherit'],
    ['rolcreatedb', 'createdb'],
    ['rolcreaterole', 'createrole'],
    ['rolsuper', 'superuser'],
    ['rolreplication', 'replication'],
    ['rolbypassrls', 'bypassrls'],
  ];
  for (const [key, name] of flags) if (changed(key)) clauses.push(r[key] ? name : `no${name}`);
  if (changed('rolconnlimit')) clauses.push(`connection limit ${Number(r.rolconnlimit)}`);
  if (changed('rolvaliduntil'))
    clauses.push(`valid until ${lit(r.rolvaliduntil === null ? 'infinity' : String(r.rolvaliduntil))}`);
  // A stored hash given back as the password is kept as it is (PostgreSQL recognises SCRAM and md5 hashes).
  if (changed('rolpassword')) clauses.push(`password ${r.rolpassword === null ? 'null' : lit(String(r.rolpassword))}`);
  const sql = clauses.length ? [`alter role ${role} with ${clauses.join(' ')}`] : [];
  const dbs = new Set([...before.roleSettings, ...after.roleSettings].map((s) => s.db));
  for (const db of dbs) sql.push(`alter role ${role}${db ? ` in database ${ident(db)}` : ''} reset all`);
  for (const s of before.roleSettings)
    for (const c of s.config) sql.push(setSql(`alter role ${role}${s.db ? ` in database ${ident(s.db)}` : ''}`, c));
  const d = before.database;
  const db = ident(d.datname);
  sql.push(`alter database ${db} with connection limit ${d.datconnlimit} allow_connections ${d.datallowconn}`);
  sql.push(`alter database ${db} is_template ${d.datistemplate}`);
  // There is no ALTER for a whole ACL; the superuser sets the catalog's column back as it was.
  if (d.datacl !== after.database.datacl)
    sql.push(
      `update pg_database set datacl = ${d.datacl === null ? 'null' : `${lit(d.datacl)}::aclitem[]`} ` +
        `where datname = ${lit(d.datname)}`,
    );
  sql.push(`alter database ${db} reset all`);
  for (const c of before.databaseSettings) sql.push(setSql(`alter database ${db}`, c));
  return sql;
}

/** Reads the state now, in the superuser's session (which the caller owns), to compare after the restore. */
export async function guardAppRole(admin: PodSession, user: string, database: string): Promise<RoleGuard> {
  const before = await readState(admin, user, database);
  return {
    before,
    async checkAndRepair() {
      const after = await readState(admin, user, database);
      const changes = describeChanges(before, after);
      if (!changes.length) return [];
      const fixed = await admin.query(`${repairSql(before, after).join(';\n')};`);
      if (fixed.error)
        throw toolError(
          `the restore changed ${changes.join(', ')}, and putting it back failed: ${fixed.error.split('\n')[0]}`,
          'npm run -s db:verify',
        );
      return changes;
    },
  };
}
