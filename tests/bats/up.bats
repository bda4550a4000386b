#!/usr/bin/env bats
# db:up: deploy, migrate, seed and verify in one command, at most five lines, verdict last.
load test_helper

setup() {
  start_cluster
  cd "$BATS_TEST_TMPDIR"
  cp -r "$ROOT/db" "$ROOT/package.json" .
  ln -s "$ROOT/node_modules" node_modules
  mkdir scripts && cp -r "$ROOT/scripts/"* scripts/
  cp -r "$ROOT/helm-values" .
}
teardown() { stop_cluster; }

@test "a fresh cluster: one line per step, the verdict last, exit 0; again: all up to date" {
  run --separate-stderr npm run -s db:up
  assert_success
  [ "${#lines[@]}" -le 7 ]
  assert_line --index 0 --regexp '^deploy: '
  # The connection string an app needs, masked, and how to reach it from this machine (US1.3).
  assert_line --index 1 'DATABASE_URL=postgresql://learnflow:****@postgresql.postgres.svc.cluster.local:5432/learnflow'
  assert_line --index 2 'local access: kubectl port-forward -n postgres svc/postgresql 5432:5432'
  assert_line --index 3 --regexp '^migrate: schema at 20261125000006 '
  assert_line --index 4 --regexp '^seed: 20 inserted, 0 updated, 0 unchanged; generated password\(s\) for users admin@learnflow.dev: see .secrets/seed-passwords$'
  assert_line --index 5 --regexp '^verify: healthy: postgresql in postgres \(.*migrations 6 applied, 0 pending\)$'
  assert_line --index 6 --regexp '^ok: database ready in [0-9.]+s: deployed, migrated, seeded, healthy$'
  [ "$(stat -c %a .secrets/seed-passwords)" = 600 ]
  run --separate-stderr npm run -s db:up
  assert_success
  [ "${#lines[@]}" -eq 7 ]
  assert_line --index 1 --regexp '^DATABASE_URL=postgresql://learnflow:\*\*\*\*@'
  assert_line --index 3 --regexp '^migrate: up to date: nothing to apply'
  assert_line --index 4 --regexp '^seed: 0 inserted, 0 updated, 20 unchanged'
  run --separate-stderr npm run -s db:up -- --json
  assert_success
  [ "$(jq -r '[.ok, .status, (.steps | map(.step + ":" + (.exitCode | tostring)) | join(","))] | join(" ")' <<<"$output")" = "true up deploy:0,migrate:0,seed:0,verify:0" ]
  [ "$(jq -r .connection.url <<<"$output")" = 'postgresql://learnflow:****@postgresql.postgres.svc.cluster.local:5432/learnflow' ]
  run --separate-stderr npm run -s db:up -- --show-secrets
  assert_line --index 1 "DATABASE_URL=postgresql://learnflow:$(kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}' | base64 -d)@postgresql.postgres.svc.cluster.local:5432/learnflow"
}

@test "the first failing step stops the run with its own error and exit code" {
  sim fault no-default-storageclass
  : >"$CLUSTER/calls.jsonl"
  run --separate-stderr npm run -s db:up
  assert_failure 3
  assert_output 'deploy: FAILED'
  [[ "$stderr" == *"error: no default StorageClass"* ]]
  run grep -c '"exec"' "$CLUSTER/calls.jsonl"
  assert_output 0
}

# A signal to db:up alone (a job runner's cancel) must reach the step it runs: otherwise the step goes on
# as an orphan and its migration commits after db:up said "interrupted".
@test "SIGTERM to db:up stops the step it is in, which ends its own work in the pod; exit 130" {
  printf -- '-- migrate:up\nselect pg_sleep(6);\ncreate table late (id int);\n-- migrate:down\ndrop table late;\n' \
    >db/migrations/20261126000001_slow.sql
  node scripts/launch.mjs up >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
  pid=$!
  for _ in $(seq 300); do
    [ "$(pod_psql -c "select count(*) from pg_stat_activity where query like '%pg_sleep(6)%' and pid <> pg_backend_pid()" 2>/dev/null)" = 1 ] && break
    sleep 0.1
  done
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  [ "$status" = 130 ] || { echo "exit $status" >&2; cat "$BATS_TEST_TMPDIR/err" >&2; false; }
  grep -q 'interrupted: the migration in postgres/postgresql-0 was stopped' "$BATS_TEST_TMPDIR/err" || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
  # Nothing more on stdout than the steps done: the interrupted one is not reported as failed.
  [ "$(tail -1 "$BATS_TEST_TMPDIR/out")" = 'local access: kubectl port-forward -n postgres svc/postgresql 5432:5432' ]
  run pgrep -f "launch.mjs migrate"
  assert_failure
  sleep 6
  run pod_psql -c "select to_regclass('late') is null, (select count(*) from schema_migrations where version = '20261126000001')"
  assert_output 't|0'
}
