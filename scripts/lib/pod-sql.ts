// SQL as the app user inside the pod: the password is read there from the chart's mounted file,
// so it never appears in an argv, and psql talks to the local socket.

/** sh -c script + its one argument (the SQL), for kubectl exec. */
export function appQueryCommand(sql: string): string[] {
  return [
    'sh', '-c',
    'export PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" PGCONNECT_TIMEOUT=5; ' +
      'exec psql -X -w -U "$POSTGRES_USER" -d "${POSTGRES_DATABASE:-$POSTGRES_USER}" -v ON_ERROR_STOP=1 -Atqc "$1"',
    'sh', sql,
  ];
}

/** psql's wording for a rejected password (SQLSTATE 28P01). */
export function isPasswordRejected(stderr: string): boolean {
  return /password authentication failed/.test(stderr);
}
