#!/usr/bin/env bats
# npm run test:e2e against the simulated cluster: the same script a user runs on a real one.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

e2e_dirs() { find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'pgk8s-e2e-*' | wc -l; }

@test "the whole flow passes step by step, and leaves no namespace, file or port-forward behind" {
  before=$(e2e_dirs)
  run --separate-stderr bash -c "cd '$ROOT' && npm run -s test:e2e"
  assert_success
  assert_line --index -1 '18 passed, 0 failed'
  assert_line --index 0 --regexp '^pass  the namespace is ours alone \([0-9.]+s\)$'
  refute_line --partial 'fail  '
  [ "$(kubectl get namespaces -o name | grep -c pgk8s-e2e)" = 0 ]
  [ "$(e2e_dirs)" = "$before" ]
  run pgrep -f 'port-forward.*pgk8s-e2e'
  assert_failure
}

@test "a step that fails is named with what it saw; the run stops there, exit 1, the namespace still removed" {
  sim fault image-pull
  run --separate-stderr bash -c "cd '$ROOT' && E2E_DEPLOY_TIMEOUT=5s npm run -s test:e2e"
  assert_failure 1
  assert_line --regexp '^fail  deploy \([0-9.]+s\): deploy: exit 1, expected 0: .*\[image-pull\]'
  assert_line --index -1 '1 passed, 1 failed'
  [ "$(kubectl get namespaces -o name | grep -c pgk8s-e2e)" = 0 ]
}

@test "Ctrl-C stops the run after the step it is in, exit 130, and the namespace is still removed" {
  set -m
  node --import tsx "$ROOT/tests/e2e/e2e.ts" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  pid=$!
  set +m
  for _ in $(seq 300); do grep -q '^pass  deploy ' "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
  interrupt "$pid"
  cat "$BATS_TEST_TMPDIR/out"
  [ "$status" = 130 ]
  grep -q '^interrupted: removing namespace pgk8s-e2e-' "$BATS_TEST_TMPDIR/out"
  # It stopped there: no later step ran.
  run grep -c '^pass  migrate status' "$BATS_TEST_TMPDIR/out"
  assert_output 0
  [ "$(kubectl get namespaces -o name | grep -c pgk8s-e2e)" = 0 ]
}
