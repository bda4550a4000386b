#!/usr/bin/env bats
# Fixes that work as printed: a sample of error paths, each run under non-default flags; the fix each
# prints is run exactly as printed, from the project root, and its effect checked.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

script() { node --import tsx "$ROOT/scripts/$1.ts" "${@:2}"; }
# The fix the last `run` printed, on stderr or in a verdict on stdout: "… (fix: COMMAND)".
printed_fix() {
  local fix="$output$stderr"
  fix=${fix##*(fix: }
  printf '%s' "${fix%)}"
}
run_printed() { run --separate-stderr bash -c "cd '$ROOT' && $1"; }

@test "not deployed in -n other: verify's fix deploys there, and verify is then healthy" {
  run --separate-stderr script verify -n other
  assert_failure 4
  fix=$(printed_fix)
  [ "$fix" = 'PG_NAMESPACE=other npm run -s db:deploy' ]
  run_printed "$fix"
  assert_success
  run --separate-stderr script verify -n other
  assert_success
}

@test "seed before migrate: the printed fix migrates, then the seed goes in" {
  script deploy --release ldb >/dev/null 2>&1
  run --separate-stderr script seed --release ldb --passwords-file "$BATS_TEST_TMPDIR/pw"
  assert_failure
  fix=$(printed_fix)
  [ "$fix" = 'PG_RELEASE=ldb npm run -s db:migrate' ]
  run_printed "$fix"
  assert_success
  run --separate-stderr script seed --release ldb --passwords-file "$BATS_TEST_TMPDIR/pw"
  assert_success
}

@test "an applied file edited: status prints the accept command with the version, and it works as printed" {
  mig="$BATS_TEST_TMPDIR/migrations"
  cp -r "$ROOT/db/migrations" "$mig"
  script deploy -n other >/dev/null 2>&1
  script migrate -n other --migrations-dir "$mig" >/dev/null 2>&1
  file=$(ls "$mig"/*.sql | head -1)
  echo '-- a comment, so the database already matches' >>"$file"
  run --separate-stderr script migrate -n other --migrations-dir "$mig" status
  assert_failure 1
  [[ "${lines[-1]}" == *"(PG_MIGRATIONS_DIR=$mig PG_NAMESPACE=other npm run -s db:migrate -- accept $(basename "${file%%_*}"), or restore the file)"* ]]
  fix=${lines[-1]##*changed since applied (}
  fix=${fix%%, or restore*}
  run_printed "$fix"
  assert_success
  run --separate-stderr script migrate -n other --migrations-dir "$mig" status
  assert_success
}

@test "a file without a manifest, restored from --dir: the printed list is of that --dir" {
  bk="$BATS_TEST_TMPDIR/elsewhere"
  script deploy -n other >/dev/null 2>&1
  script backup -n other --dir "$bk" >/dev/null 2>&1
  echo junk >"$BATS_TEST_TMPDIR/junk.dump"
  run --separate-stderr script backup -n other --dir "$bk" restore "$BATS_TEST_TMPDIR/junk.dump" --yes
  assert_failure 2
  fix=$(printed_fix)
  list=${fix##*listed by \`}
  list=${list%\`}
  run_printed "$list"
  assert_success
  assert_output --partial "$(basename "$(ls "$bk"/*.dump)")"
}
