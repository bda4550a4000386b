// SQL as the app user inside the pod: the password is read there from the chart's mounted file,
// so it never appears in an argv, and psql talks to the local socket.

/** sh: the app user's password into PGPASSWORD, read in the pod from the chart's mounted file. */
export const APP_PASSWORD = 'export PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"';
/** sh: the superuser's password into PGPASSWORD, from the chart's mounted postgres-password file. */
export const ADMIN_PASSWORD = 'export PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")"';
/** libpq flags for the superuser, in the app's database. */
export const ADMIN_LOGIN = '-U postgres -d "${POSTGRES_DATABASE:-$POSTGRES_USER}"';
/**
 * libpq flags for the superuser in the `postgres` database (initdb makes it): for work on the app's
 * database as a whole (create, rename, drop), which no session inside it may do.
 */
export const MAINTENANCE_LOGIN = '-U postgres -d postgres';
/** libpq flags for the app user and database, as the chart's environment names them. */
export const APP_LOGIN = '-U "$POSTGRES_USER" -d "${POSTGRES_DATABASE:-$POSTGRES_USER}"';

/** sh -c script + its one argument (the SQL), for kubectl exec. */
export function appQueryCommand(sql: string): string[] {
  return [
    'sh',
    '-c',
    `${APP_PASSWORD} PGCONNECT_TIMEOUT=5; exec psql -X -w ${APP_LOGIN} -v ON_ERROR_STOP=1 -Atqc "$1"`,
    'sh',
    sql,
  ];
}

/** psql's wording for a rejected password (SQLSTATE 28P01). */
export function isPasswordRejected(stderr: string): boolean {
  return /password authentication failed/.test(stderr);
}
