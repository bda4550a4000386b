// The one exec verify makes: volume usage, query latency, server facts and applied migrations as
// the app user; if the server refuses the connection, a superuser slot counts who holds them.

const PROBE_SQL = [
  '\\timing on',
  'select 1;',
  '\\timing off',
  "select 'facts ' || json_build_object(",
  "  'version', current_setting('server_version'),",
  "  'max_connections', current_setting('max_connections')::int,",
  "  'reserved', current_setting('superuser_reserved_connections')::int,",
  "  'connections', (select count(*) from pg_stat_activity where backend_type = 'client backend'),",
  "  'database_size', pg_database_size(current_database()))::text;",
  // dbmate's bookkeeping table; absent until the first migration.
  "select to_regclass('public.schema_migrations') is not null as has_migrations \\gset",
  '\\if :has_migrations',
  "select 'migrations ' || coalesce(json_agg(version order by version), '[]'::json)::text from schema_migrations;",
  '\\endif',
  // Files migrate rolled back (and has not applied since): pending on purpose, perhaps.
  "select exists (select 1 from information_schema.columns where table_schema = 'public' and table_name = " +
    "'schema_migrations_checksums' and column_name = 'rolled_back_at') as has_rollbacks \\gset",
  '\\if :has_rollbacks',
  "select 'rolled-back ' || coalesce(json_agg(version order by version), '[]'::json)::text " +
    'from schema_migrations_checksums where rolled_back_at is not null;',
  '\\endif',
].join('\n');

const ADMIN_SQL =
  // Not counting itself: it sits in a reserved superuser slot.
  "select 'admin ' || json_build_object('connections', (select count(*) from pg_stat_activity where backend_type = " +
  "'client backend' and pid <> pg_backend_pid()), " +
  "'max_connections', current_setting('max_connections')::int, 'reserved', " +
  "current_setting('superuser_reserved_connections')::int)::text";

/** `sh -c` script for kubectl exec; passwords are read from the mounted files inside the pod. */
export function probeCommand(): string[] {
  const script = [
    'vol="${POSTGRESQL_VOLUME_DIR:-/bitnami/postgresql}"',
    'df -P -B1 "$vol" 2>/dev/null | awk \'NR==2 {print "volume " $2 " " $3 " " $4}\'',
    // The same filesystem as the pod's emptyDir /tmp: a directory on the node's disk, not a volume of its own.
    'echo "devices $(stat -c %d "$vol" 2>/dev/null) $(stat -c %d /tmp 2>/dev/null)"',
    'export PGCONNECT_TIMEOUT=5',
    // psql -c takes SQL or one meta-command, not both: the script goes in on stdin.
    'if out=$(printf "%s\\n" "$1" | PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -X -w -U "$POSTGRES_USER" ' +
      '-d "${POSTGRES_DATABASE:-$POSTGRES_USER}" -v ON_ERROR_STOP=1 -Atq -f - 2>&1); then',
    '  printf "%s\\n" "$out" |',
    '    sed -n "s/^Time: \\([0-9.]*\\) ms.*/latency \\1/p; /^facts /p; /^migrations /p; /^rolled-back /p"',
    'else',
    '  printf "app-error %s\\n" "$(printf "%s" "$out" | tr "\\n" " ")"',
    '  PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -X -w -U postgres -d postgres -Atq -c "$2" 2>&1 ' +
      '| sed -n "/^admin /p"',
    'fi',
    // kubectl exec can exit 0 on a cut stream (kubernetes#73056): no end marker, no verdict.
    'echo probe-end',
  ].join('\n');
  return ['sh', '-c', script, 'probe', PROBE_SQL, ADMIN_SQL];
}

export interface ProbeFacts {
  version: string;
  max_connections: number;
  reserved: number;
  connections: number;
  database_size: number;
}

export interface ProbeResult {
  volume?: { sizeBytes: number; usedBytes: number; availBytes: number };
  /** The data directory's filesystem is the one the pod's /tmp (an emptyDir on the node's disk) is on. */
  onNodeDisk?: boolean;
  latencyMs?: number;
  facts?: ProbeFacts;
  /** null: no schema_migrations table yet. */
  migrations: string[] | null;
  /** Versions marked rolled back by migrate (applied ones are not pending whatever the mark says). */
  rolledBack?: string[];
  appError?: string;
  admin?: { connections: number; max_connections: number; reserved: number };
  /** The script's last line arrived: the answer is whole. */
  complete: boolean;
}

// A line cut by a dropped exec stream is no answer: the missing end marker already makes it incomplete.
function parsedOrUndefined(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function parseProbeOutput(stdout: string): ProbeResult {
  const result: ProbeResult = { migrations: null, complete: false };
  for (const line of stdout.split('\n')) {
    const [tag, ...rest] = line.split(' ');
    const body = rest.join(' ');
    if (tag === 'volume') {
      const [size, used, avail] = rest.map(Number);
      if (size && used !== undefined && avail !== undefined)
        result.volume = { sizeBytes: size, usedBytes: used, availBytes: avail };
    } else if (tag === 'devices') {
      if (rest[0] && rest[1]) result.onNodeDisk = rest[0] === rest[1];
    } else if (tag === 'latency') result.latencyMs = Number(body);
    else if (tag === 'facts') result.facts = parsedOrUndefined(body) as ProbeFacts | undefined;
    else if (tag === 'migrations') result.migrations = (parsedOrUndefined(body) as string[] | undefined) ?? null;
    else if (tag === 'rolled-back') result.rolledBack = (parsedOrUndefined(body) as string[] | undefined) ?? [];
    else if (tag === 'app-error') result.appError = body.trim();
    else if (tag === 'admin') result.admin = parsedOrUndefined(body) as ProbeResult['admin'];
    else if (tag === 'probe-end') result.complete = true;
  }
  return result;
}
