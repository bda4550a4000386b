#!/usr/bin/env bats
# --target local: the same commands against a PostgreSQL on this machine, no cluster, real server.
load test_helper

setup() {
  # The server runs as postgres: the project must sit where that user can enter (bats' own
  # temporary directories are private).
  PROJECT=$(mktemp -d /tmp/pgk8s-local.XXXXXX)
  chmod 755 "$PROJECT"
  cd "$PROJECT"
  cp -r "$ROOT/db" "$ROOT/package.json" "$ROOT/scripts" .
  # Hard links, not a symlink: a checkout under a private directory (root's 0700 home) is not one the
  # postgres user can pass through, but linked files keep their own modes. A copy across filesystems
  # falls back to the symlink.
  cp -al "$ROOT/node_modules" node_modules 2>/dev/null || { rm -rf node_modules; ln -s "$ROOT/node_modules" node_modules; }
}

teardown() {
  cd "$PROJECT"
  if [ -f .data/pgdata/postmaster.pid ]; then
    runuser -u postgres -- "$(pg_bin)/pg_ctl" stop -D "$PROJECT/.data/pgdata" -m immediate -w >/dev/null 2>&1 || true
  fi
  cd / && rm -rf "$PROJECT"
}

pg_bin() { jq -r .binDir "$PROJECT/.data/server.json"; }

# psql as the app user over TCP, the way an application connects.
app_psql() {
  PGPASSWORD="$(cat .data/secrets/password)" psql -h 127.0.0.1 -p "$(jq -r .port .data/server.json)" -U learnflow -d learnflow -v ON_ERROR_STOP=1 -Atq "$@"
}

db() { npm run -s "db:$1" -- --target local "${@:2}"; }

@test "deploy → migrate → seed → verify → backup → restore, and every re-run is a no-op" {
  run --separate-stderr db deploy
  assert_success
  assert_line --index 0 --regexp '^deployed the local server in \.data \(port [0-9]+, PostgreSQL 1[5-9]\.[0-9]+\) \([0-9.]+s\)$'
  assert_line --index 1 --regexp '^DATABASE_URL=postgresql://learnflow:\*\*\*\*@127\.0\.0\.1:[0-9]+/learnflow$'
  assert_line --index 3 'ok: ready: SELECT 1 as learnflow succeeded'
  [ "$(stat -c %a .data/secrets/password)" = 600 ] && [ "$(stat -c %a .data/secrets/postgres-password)" = 600 ]
  [ "$(stat -c %U .data/pgdata)" = postgres ]
  # Never printed, not even in the log of the run.
  refute_output --partial "$(cat .data/secrets/password)"
  [[ "$stderr" != *"$(cat .data/secrets/password)"* ]]

  run --separate-stderr db deploy
  assert_success
  assert_output --regexp 'ok: already deployed, up to date and usable: the local server in \.data \(port [0-9]+, PostgreSQL [0-9.]+\); nothing to do$'

  run --separate-stderr db migrate
  assert_success
  assert_output --partial 'ok: schema at 20261125000006'
  run --separate-stderr db migrate
  assert_success
  assert_output --partial 'up to date: nothing to apply'
  [ "$(app_psql -c "select count(*) from information_schema.tables where table_name in ('users','curriculum','exercises','submissions','progress','struggle_alerts')")" = 6 ]

  run --separate-stderr db seed
  assert_success
  assert_line --index 0 --partial ' (+ inserted, ~ updated, = unchanged)'
  assert_line --index 2 'ok: 20 inserted, 0 updated, 0 unchanged'
  run --separate-stderr db seed
  assert_success
  assert_output --partial 'ok: 0 inserted, 0 updated, 20 unchanged'

  run --separate-stderr db verify
  assert_success
  assert_output --regexp '^healthy: the local server \(\.data\) \(PostgreSQL [0-9.]+, .*migrations 6 applied, 0 pending\)$'

  run --separate-stderr db backup
  assert_success
  backup=$(ls backups/local-learnflow-*.dump)
  [ "$(stat -c %a "$backup")" = 600 ]
  before=$(app_psql -c "select md5(string_agg(e::text, ',' order by e.id)) from exercises e")
  app_psql -c "delete from exercises; insert into users (email, display_name, role, password_hash) values ('late@x.dev', 'Late', 'student', repeat('x', 20))"
  run --separate-stderr db backup restore "$backup" --yes
  assert_success
  assert_output --partial 'ok: restored whole (built in a scratch database, then swapped in)'
  assert_output --regexp 'undo: DB_TARGET=local npm run -s db:backup -- restore backups/local-learnflow-[0-9TZ]+-pre-restore\.dump --yes'
  [ "$(app_psql -c "select md5(string_agg(e::text, ',' order by e.id)) from exercises e")" = "$before" ]
  [ "$(app_psql -c "select count(*) from users where email = 'late@x.dev'")" = 0 ]
  # The restore drill works on the local server too, and leaves no scratch database there.
  run --separate-stderr db backup verify "$backup"
  assert_success
  assert_line --index -1 --regexp "^ok: verified: $backup restores whole \([0-9]+ tables, [0-9]+ rows, "
  [ "$(app_psql -c "select count(*) from pg_database where datname like 'pgk8s_%'")" = 0 ]
}

@test "the data survives a restart; --uninstall stops it (kept), --delete-data --yes leaves nothing running" {
  db deploy >/dev/null && db migrate >/dev/null && db seed >/dev/null
  pgdata="$PROJECT/.data/pgdata"
  run --separate-stderr db deploy --uninstall
  assert_success
  assert_output $'kept (the data and its passwords): .data/pgdata, .data/secrets\nok: the local server is stopped; its data is kept'
  ! pgrep -f -- "-D $pgdata" >/dev/null

  # Stopped: verify says so with the fix, a task refuses before touching anything.
  run --separate-stderr db verify
  assert_failure 1
  assert_line --index 1 --regexp '^problem \[server-stopped\]: the local server of \.data/pgdata is not running .*\(fix: DB_TARGET=local npm run -s db:deploy\)$'
  run --separate-stderr db migrate
  assert_failure 3
  assert_equal "$stderr" 'error: the local server (.data) is not running; the migration did not start (fix: DB_TARGET=local npm run -s db:deploy)'

  run --separate-stderr db deploy
  assert_success
  assert_line --index 0 --regexp '^started the local server in \.data '
  [ "$(app_psql -c "select count(*) from exercises")" = 6 ]
  run --separate-stderr db seed
  assert_output --partial '0 inserted, 0 updated, 20 unchanged'

  run --separate-stderr db deploy --uninstall --delete-data
  assert_failure 2
  pgrep -f -- "-D $pgdata" >/dev/null
  run --separate-stderr db deploy --uninstall --delete-data --yes
  assert_success
  assert_line --index 1 'ok: the local server is stopped; its data and passwords are deleted'
  ! pgrep -f -- "-D $pgdata" >/dev/null
  [ ! -e .data ]
  run --separate-stderr db verify
  assert_failure 4
  assert_output 'not deployed: no local server in .data (fix: DB_TARGET=local npm run -s db:deploy)'
}

@test "bad input changes nothing: an unknown target, a directory the server user cannot enter" {
  run --separate-stderr npm run -s db:deploy -- --target docker
  assert_failure 2
  assert_equal "$stderr" 'error: --target: "docker" is not one of auto, kubernetes, local (fix: pass e.g. --target=auto)'
  private=$(mktemp -d)
  chmod 700 "$private"
  run --separate-stderr db deploy --local-dir "$private/inner/.data"
  assert_failure 2
  assert_equal "${stderr_lines[-1]}" "error: the local server runs as postgres, which cannot enter $private/inner/.data (a directory above it is private) (fix: pass --local-dir (DB_LOCAL_DIR) a directory postgres can reach, e.g. /var/tmp/learnflow-db)"
  [ ! -e "$private/inner" ] && [ ! -e .data ]
  rm -rf "$private"
}

@test "db:up --target local: a migrated, seeded, healthy database; six lines, the verdict last" {
  run --separate-stderr npm run -s db:up -- --target local
  assert_success
  [ "${#lines[@]}" -eq 6 ]
  assert_line --index 0 --regexp '^deploy: ready: SELECT 1 as learnflow succeeded$'
  assert_line --index 1 --regexp '^DATABASE_URL=postgresql://learnflow:\*\*\*\*@'
  assert_line --index 2 --regexp '^migrate: schema at 20261125000006 '
  assert_line --index 3 --regexp '^seed: 20 inserted, 0 updated, 0 unchanged; generated password\(s\) for users admin@learnflow.dev: see .secrets/seed-passwords$'
  assert_line --index 4 --regexp '^verify: healthy: the local server \(\.data\) \(.*migrations 6 applied, 0 pending\)$'
  assert_line --index 5 --regexp '^ok: database ready in [0-9.]+s: deployed, migrated, seeded, healthy$'
}

@test "the same JSON keys as on a cluster, script by script" {
  # Both targets, one after the other, the same sequence; each answer's top-level keys recorded.
  record() {
    local out=$1; shift
    : >"$out"
    for cmd in "deploy" "deploy" "migrate" "migrate status" "seed" "verify" "backup" "backup list"; do
      # shellcheck disable=SC2086 # cmd holds the script and its action
      set -- $cmd
      json=$(npm run -s "db:$1" -- ${2:+"$2"} --json "${@:3}" "${EXTRA[@]}")
      echo "$cmd $(jq -c 'keys' <<<"$json")" >>"$out"
    done
  }
  EXTRA=(--target local)
  record "$PROJECT/local.keys"
  start_cluster
  cp -r "$ROOT/helm-values" .
  rm -rf backups
  EXTRA=()
  record "$PROJECT/cluster.keys"
  stop_cluster
  run diff "$PROJECT/cluster.keys" "$PROJECT/local.keys"
  assert_success
  [ "$(wc -l <"$PROJECT/local.keys")" -eq 8 ]
}

@test "as a normal user: no user switch, the files are that user's" {
  # node_modules is hard-linked to the checkout's: its files stay root's (readable), the rest is the user's.
  find "$PROJECT" -path "$PROJECT/node_modules" -prune -o -exec chown postgres:postgres {} +
  as_postgres() { runuser -u postgres -- env HOME=/var/lib/postgresql npm run -s "$@"; }
  run --separate-stderr as_postgres db:up -- --target local
  assert_success
  assert_line --index -1 --regexp '^ok: database ready in '
  [ "$(stat -c '%U %a' .data)" = 'postgres 700' ]
  [ "$(stat -c '%U %a' .data/secrets/password)" = 'postgres 600' ]
  run --separate-stderr as_postgres db:deploy -- --target local --uninstall --delete-data --yes
  assert_success
  [ ! -e .data ]
}

@test "--uninstall --dry-run stops nothing and deletes nothing, and says what it would" {
  db deploy >/dev/null 2>&1
  before=$(find .data | sort; db verify --json | jq -r .status)
  run --separate-stderr db deploy --uninstall --delete-data --dry-run
  assert_success
  assert_line --regexp '^would delete: \.data/pgdata, .*\.data/secrets, .*\.data/server\.json'
  assert_line --index -1 'ok: dry run: would stop the local server and delete its data and passwords; nothing changed'
  [ "$(find .data | sort; db verify --json | jq -r .status)" = "$before" ]
}

@test "no PostgreSQL installed: one line naming the package, nothing created" {
  # A private mount namespace hides the server binaries (Debian's pg_config then points nowhere).
  run --separate-stderr unshare -m sh -c 'mount -t tmpfs none /usr/lib/postgresql && exec npm run -s db:deploy -- --target local'
  assert_failure 3
  assert_equal "${stderr_lines[-1]}" 'error: PostgreSQL server binaries (initdb, pg_ctl, postgres, psql, pg_dump, pg_restore) not found on PATH or in the usual install locations (fix: install PostgreSQL 15+ server binaries: apt-get install postgresql (Debian/Ubuntu), dnf install postgresql-server (Fedora/RHEL), brew install postgresql@17 (macOS))'
  [ ! -e .data ]
}

@test "uninstall --delete-data deletes only what deploy made: a directory it refused, and others' files, stay" {
  mkdir -p .data/pgdata && echo mine >.data/pgdata/notes.txt
  run --separate-stderr db deploy
  assert_failure
  run --separate-stderr db deploy --uninstall --delete-data --yes
  assert_success
  [ "$(cat .data/pgdata/notes.txt)" = mine ]
  assert_line --index -1 'ok: no local server runs here: nothing to do'
}

@test "deploy leaves directories that were there as they were (mode, owner), and uninstall leaves them too" {
  mkdir -p .data/log && chmod 711 .data && chown postgres:postgres .data/log && chmod 750 .data/log
  run --separate-stderr db deploy
  assert_success
  [ "$(stat -c '%a' .data)" = 711 ]
  [ "$(stat -c '%U %a' .data/log)" = 'postgres 750' ]
  run --separate-stderr db deploy --uninstall --delete-data --yes
  assert_success
  [ ! -e .data/pgdata ] && [ ! -e .data/secrets ] && [ ! -e .data/server.json ]
  [ -d .data/log ] && [ "$(stat -c '%a' .data)" = 711 ]
  [ ! -e .data/log/server.log ]
}

@test "a directory that was there and the server's user cannot write is refused, not chowned" {
  mkdir -p .data/log && chmod 700 .data/log
  run --separate-stderr db deploy
  assert_failure 2
  [[ "$stderr" == *'error: .data/log was already there and the local server'"'"'s user postgres cannot write it; nothing changed (deploy does not chown what it did not create) (fix: remove .data/log (deploy then makes its own), or chown postgres .data/log)'* ]]
  [ "$(stat -c '%U %a' .data/log)" = 'root 700' ]
}

@test "db:url --target local: the local server's URL, its password checked; a wrong one is password-mismatch" {
  db deploy >/dev/null 2>&1
  port=$(jq -r .port .data/server.json)
  run --separate-stderr db url
  assert_success
  assert_output "postgresql://learnflow:****@127.0.0.1:$port/learnflow
ok: the password in .data/secrets/password opens learnflow as learnflow"
  run --separate-stderr db url --show-secrets --env
  assert_line --index 0 "DATABASE_URL=postgresql://learnflow:$(cat .data/secrets/password)@127.0.0.1:$port/learnflow"
  run psql "${lines[0]#DATABASE_URL=}" -Atc 'select 1'
  assert_output 1
  cp -p .data/secrets/password "$BATS_TEST_TMPDIR/pw"
  echo wrong >.data/secrets/password
  run --separate-stderr db url
  assert_failure 1
  assert_line --index 1 --partial 'problem [password-mismatch]'
  cp -p "$BATS_TEST_TMPDIR/pw" .data/secrets/password
}

@test "db:psql --target local: reads, refuses a write without --write (data unchanged), writes with it, --json rows" {
  db deploy >/dev/null 2>&1
  run --separate-stderr db psql -c 'create table notes (id int, body text)'
  assert_failure 1
  [[ "$stderr" == *"writes, and db:psql is read-only unless --write: SQLSTATE 25006: cannot execute CREATE TABLE in a read-only transaction; nothing was changed (fix: DB_TARGET=local npm run -s db:psql -- --target local -c 'create table notes (id int, body text)' --write)" ]]
  [ "$(app_psql -c "select count(*) from pg_tables where tablename = 'notes'")" = 0 ]
  run --separate-stderr db psql --write -c 'create table notes (id int, body text)' -c "insert into notes values (1, null)"
  assert_success
  assert_output "CREATE TABLE
INSERT 0 1
ok: 2 requests ran in the local server (.data) (changes committed)"
  run --separate-stderr db psql --json -c 'select * from notes'
  assert_success
  [ "$(jq -c '[.rows, .rowCount, .readOnly]' <<<"$output")" = '[[{"id":"1","body":null}],1,true]' ]
}
