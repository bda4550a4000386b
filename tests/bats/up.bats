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
