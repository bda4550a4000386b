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
  [ "${#lines[@]}" -le 5 ]
  assert_line --index 0 --regexp '^deploy: '
  assert_line --index 1 --regexp '^migrate: schema at 20261125000006 '
  assert_line --index 2 --regexp '^seed: 20 inserted, 0 updated, 0 unchanged; generated password\(s\) for users admin@learnflow.dev: see .secrets/seed-passwords$'
  assert_line --index 3 --regexp '^verify: healthy: postgresql in postgres \(.*migrations 6 applied, 0 pending\)$'
  assert_line --index 4 --regexp '^ok: database ready in [0-9.]+s: deployed, migrated, seeded, healthy$'
  [ "$(stat -c %a .secrets/seed-passwords)" = 600 ]
  run --separate-stderr npm run -s db:up
  assert_success
  [ "${#lines[@]}" -eq 5 ]
  assert_line --index 1 --regexp '^migrate: up to date: nothing to apply'
  assert_line --index 2 --regexp '^seed: 0 inserted, 0 updated, 20 unchanged'
  run --separate-stderr npm run -s db:up -- --json
  assert_success
  [ "$(jq -r '[.ok, .status, (.steps | map(.step + ":" + (.exitCode | tostring)) | join(","))] | join(" ")' <<<"$output")" = "true up deploy:0,migrate:0,seed:0,verify:0" ]
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
