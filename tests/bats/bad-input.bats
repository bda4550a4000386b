#!/usr/bin/env bats
# Bad input to any script: one line naming the problem and the fix, exit 2, no call to the cluster.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

# The loader by path: some tests run from a directory of their own, with no node_modules to resolve tsx.
script() { node --import "$ROOT/node_modules/tsx/dist/loader.mjs" "$ROOT/scripts/$1.ts" "${@:2}"; }

@test "names the API server would refuse are bad input in every script, before any call" {
  for s in deploy verify migrate seed backup up url port-forward psql; do
    run --separate-stderr script "$s" -n Bad_NS
    assert_failure 2
    [[ "$stderr" == *'error: namespace "Bad_NS" is not a valid name (lower-case letters, digits, "-", at most 63) (fix: pass e.g. --namespace postgres)'* ]]
    run --separate-stderr script "$s" --release Bad.Release
    assert_failure 2
    [[ "$stderr" == *'error: release "Bad.Release" is not a valid name'* ]]
  done
  [ ! -s "$CLUSTER/calls.jsonl" ]
}

@test "--timeout 0 is refused: a time limit of nothing would fail every call" {
  for s in deploy migrate backup; do
    run --separate-stderr script "$s" --timeout 0
    assert_failure 2
    [[ "$stderr" == *'error: --timeout must be more than 0 (fix: pass e.g. --timeout 5m)'* ]]
  done
  [ ! -s "$CLUSTER/calls.jsonl" ]
}

@test "a KUBECONFIG naming a missing file is an error naming it, not a silent switch to the local target" {
  KUBECONFIG="$BATS_TEST_TMPDIR/nope/config" run --separate-stderr script verify
  assert_failure 2
  [[ "$stderr" == *"error: KUBECONFIG names $BATS_TEST_TMPDIR/nope/config, which does not exist (fix: point KUBECONFIG at your cluster's config, or unset it (no kubeconfig at all means the local target))"* ]]
}

@test "a closed stdout ends quietly: no EPIPE trace, the work still finishes" {
  run bash -c "node --import tsx '$ROOT/scripts/deploy.ts' --dry-run 2>'$BATS_TEST_TMPDIR/err' | head -1; echo \${PIPESTATUS[0]}"
  assert_line --index 0 --regexp '^plan: install'
  assert_line --index 1 0
  run cat "$BATS_TEST_TMPDIR/err"
  refute_output --partial EPIPE
}

@test "a .env line that is not KEY=VALUE is named (file and line, never its text), exit 2, before any call" {
  cd "$BATS_TEST_TMPDIR"
  printf 'PG_NAMESPACE=postgres\nPG_RELEASE postgresql-secret-ish\n' >.env
  for s in deploy verify migrate seed backup url psql; do
    run --separate-stderr script "$s"
    assert_failure 2
    [ "$stderr" = "error: .env line 2 is not KEY=VALUE (fix: correct line 2 of $BATS_TEST_TMPDIR/.env, or put # in front of it)" ]
  done
  [ ! -s "$CLUSTER/calls.jsonl" ]
}

@test "OUTPUT_JSON from .env, and --json=1, give the JSON object even for a config error" {
  cd "$BATS_TEST_TMPDIR"
  printf 'OUTPUT_JSON=true\nPG_TIMEOUT=soon\n' >.env
  run --separate-stderr script verify
  assert_failure 2
  [ "$(jq -r '[.ok, .exitCode, .error.code] | join(" ")' <<<"$output")" = "false 2 usage" ]
  rm .env
  run --separate-stderr script deploy --json=1
  assert_failure 2
  [ "$(jq -r .error.message <<<"$output")" = "flag --json takes no value" ]
}
