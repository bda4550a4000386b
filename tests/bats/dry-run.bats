#!/usr/bin/env bats
# --dry-run as a matrix: every action of every script, run with --dry-run against a deployed, migrated,
# seeded and backed-up database, leaves the cluster, the database and the files exactly as they were.
load test_helper

setup() {
  start_cluster
  BK="$BATS_TEST_TMPDIR/backups"
  PW="$BATS_TEST_TMPDIR/seed-passwords"
  script() { node --import tsx "$ROOT/scripts/$1.ts" "${@:2}"; }
  script deploy >/dev/null 2>&1
  script migrate >/dev/null 2>&1
  script seed --passwords-file "$PW" >/dev/null 2>&1
  script backup --dir "$BK" >/dev/null 2>&1
  sleep 1
  script backup --dir "$BK" >/dev/null 2>&1
}
teardown() { stop_cluster; }

# Everything a dry run could change: releases, claims, Secrets, the schema and every row, the files.
state() {
  helm history postgresql -n postgres -o json | jq -c '[.[] | [.revision, .status]]'
  kubectl get pvc,secret -n postgres -o name
  pod_psql -c "select md5(string_agg(x, ',' order by x)) from (
    select version::text as x from schema_migrations
    union all select 'c' || version || sha256 from schema_migrations_checksums
    union all select 'u' || u::text from users u union all select 'k' || c::text from curriculum c
    union all select 't' || tablename from pg_tables where schemaname = 'public') s"
  ls -l --time-style=+%s "$BK"
  cat "$PW"
}

@test "every action of every script with --dry-run changes nothing" {
  file=$(ls "$BK"/*.dump | head -1)
  before=$(state)
  actions=(
    "deploy"
    "deploy --database other --upgrade"
    "deploy --uninstall"
    "deploy --uninstall --delete-data --yes"
    "migrate"
    "migrate rollback --steps 2"
    "migrate accept 20261125000001"
    "seed --passwords-file $PW"
    "seed --update --passwords-file $PW"
    "backup --dir $BK"
    "backup --dir $BK restore $file --yes"
    "backup --dir $BK verify $file"
    "backup --dir $BK --verify"
    "backup --dir $BK list --keep 1"
    "psql --write -c delete_from_users"
  )
  failures=''
  for action in "${actions[@]}"; do
    # shellcheck disable=SC2086 # each entry is a script and its arguments
    if [[ "$action" == psql* ]]; then run --separate-stderr script psql --write -c 'delete from users' --dry-run
    else run --separate-stderr script $action --dry-run; fi
    if [ "$status" -ne 0 ]; then failures+="$action: exit $status: $stderr"$'\n'; continue; fi
    if [[ "${lines[-1]}" != *'nothing changed'* && "${lines[-1]}" != *'up to date'* ]]; then failures+="$action: ${lines[-1]}"$'\n'; fi
    if [ "$(state)" != "$before" ]; then failures+="$action changed the state"$'\n'; fi
  done
  echo "$failures"
  [ -z "$failures" ]
}
