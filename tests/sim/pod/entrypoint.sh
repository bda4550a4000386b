#!/bin/sh
# The simulated container's entrypoint: what the Bitnami image does on start, reduced to what the
# toolkit can observe. Credentials are applied on FIRST boot only (as in the image), so a new
# password on an old data directory fails to log in, exactly like the real trap.
set -eu

log() { echo "postgresql $(date '+%H:%M:%S.%2N') INFO  ==> $*"; }
warn() { echo "postgresql $(date '+%H:%M:%S.%2N') WARN  ==> $*"; }
error() { echo "postgresql $(date '+%H:%M:%S.%2N') ERROR ==> $*"; }

# postgresql-env.sh: each *_FILE variable is read if the file is readable, else skipped with a warning
# (the chart mounts the whole Secret, so a missing key is a missing file, not a failed mount). Then
# libpostgresql.sh postgresql_validate refuses an empty app password.
for var in POSTGRES_PASSWORD POSTGRES_POSTGRES_PASSWORD; do
  eval "file=\${${var}_FILE:-}"
  if [ -n "$file" ] && [ ! -r "$file" ]; then warn "Skipping export of '$var'. '$file' is not readable."; fi
done
log "Validating settings in POSTGRESQL_* env vars.."
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ] && [ ! -s "$POSTGRES_PASSWORD_FILE" ]; then
  error "The POSTGRESQL_PASSWORD environment variable is empty or not set. Set the environment variable ALLOW_EMPTY_PASSWORD=yes to allow the container to be started with blank passwords. This is recommended only for development."
  exit 1
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  log "Initializing PostgreSQL database..."
  # The simulator's shortcut, not the image's: when it left initdb's output from an earlier run
  # beside the data directory, renaming it stands in for initdb (~1 s); the password initdb would
  # set is set below.
  template=$(dirname "$PGDATA")/.sim-initdb-template
  from_template=
  if [ -s "$template/PG_VERSION" ] && { rmdir "$PGDATA" 2>/dev/null || [ ! -e "$PGDATA" ]; }; then
    mv "$template" "$PGDATA" && from_template=1
  else
    rm -rf "$template"
    /opt/bitnami/scripts/initdb.sh "$PGDATA" "$POSTGRES_POSTGRES_PASSWORD_FILE"
  fi
  # Bootstrap on a private socket so the pod is not Ready before the app user exists.
  pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses= -c unix_socket_directories=/opt/bitnami/postgresql/tmp" start >/dev/null
  if [ -n "$from_template" ]; then
    psql -h /opt/bitnami/postgresql/tmp -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -v pwfile="$POSTGRES_POSTGRES_PASSWORD_FILE" <<'SQL'
\set pw `cat :pwfile`
ALTER ROLE postgres PASSWORD :'pw';
SQL
  fi
  if [ -n "${POSTGRES_USER:-}" ] && [ "$POSTGRES_USER" != postgres ]; then
    # libpostgresql.sh postgresql_create_custom_database, then postgresql_create_custom_user: the
    # user gets CREATEDB, owns the database AND its public schema (so DROP OWNED drops public).
    db="${POSTGRES_DATABASE:-$POSTGRES_USER}"
    log "Creating user ${POSTGRES_USER}"
    log "Granting access to \"${POSTGRES_USER}\" to the database \"${db}\""
    log "Setting ownership for the 'public' schema database \"${db}\" to \"${POSTGRES_USER}\""
    psql -h /opt/bitnami/postgresql/tmp -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -v user="$POSTGRES_USER" -v db="$db" -v pwfile="$POSTGRES_PASSWORD_FILE" <<'SQL'
\set pw `cat :pwfile`
CREATE DATABASE :"db";
CREATE ROLE :"user" WITH LOGIN CREATEDB PASSWORD :'pw';
GRANT ALL PRIVILEGES ON DATABASE :"db" TO :"user";
ALTER DATABASE :"db" OWNER TO :"user";
\c :"db"
ALTER SCHEMA public OWNER TO :"user";
SQL
  elif [ -n "${POSTGRES_DATABASE:-}" ] && [ "$POSTGRES_DATABASE" != postgres ]; then
    psql -h /opt/bitnami/postgresql/tmp -U postgres -d postgres -q -c "CREATE DATABASE \"$POSTGRES_DATABASE\""
  fi
  pg_ctl -D "$PGDATA" -w -s -m fast stop >/dev/null
  # The image rewrites trust to md5 whenever a password is set.
  sed -i 's/^\(local\s.*\)trust$/\1md5/' "$PGDATA/pg_hba.conf"
  printf 'host all all 0.0.0.0/0 md5\nhost all all ::/0 md5\n' >>"$PGDATA/pg_hba.conf"
  log "Loading custom scripts... done"
else
  log "Deploying PostgreSQL with persisted data..."
fi

# entrypoint.sh: every start, once setup is done, marks the emptyDir; the chart's readiness probe wants it
# beside a pg_isready over TCP (postgresql.readinessProbe in _helpers.tpl).
touch /opt/bitnami/postgresql/tmp/.initialized
log "** PostgreSQL setup finished! **"
log "** Starting PostgreSQL **"
# postgresql.conf from the image's setup: all addresses (inside the pod's own network), socket in /tmp.
# libpostgresql.sh postgresql_configure_logging writes the chart's POSTGRESQL_CLIENT_MIN_MESSAGES
# (audit.clientMinMessages, default error) into postgresql.conf: clients get no NOTICE or WARNING.
# shellcheck disable=SC2086 # SIM_SERVER_ARGS is a list of -c options built by the simulator
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp \
  -c port="${POSTGRESQL_PORT_NUMBER:-5432}" -c client_min_messages="${POSTGRESQL_CLIENT_MIN_MESSAGES:-error}" \
  ${SIM_SERVER_ARGS:-}
