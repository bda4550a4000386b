#!/usr/bin/env bats
# Non-default names: a release without "postgresql" in it gets the chart's fullname
# "<release>-postgresql" (bitnami common _names.tpl), in a namespace of its own. Every command
# must find the pod, claim, Service and Secret by that rule, under Helm 3 and Helm 4.
load test_helper

teardown() { stop_cluster; }

flow() {
  local db=(--release ldb -n other)
  run --separate-stderr node --import tsx "$ROOT/scripts/deploy.ts" "${db[@]}" --json
  assert_success
  [ "$(jq -r '.status + " " + .connection.host' <<<"$output")" = 'deployed ldb-postgresql.other.svc.cluster.local' ]
  [[ "$(jq -r .connection.portForward <<<"$output")" == *"svc/ldb-postgresql "* ]]
  kubectl get pod ldb-postgresql-0 -n other >/dev/null
  run --separate-stderr node --import tsx "$ROOT/scripts/deploy.ts" "${db[@]}"
  assert_success
  assert_line --index -1 --partial 'already deployed, up to date and usable: ldb in other'
  # A fix printed after -n/--release carries them, and works as printed.
  run --separate-stderr node --import tsx "$ROOT/scripts/migrate.ts" "${db[@]}" status
  assert_failure 1
  assert_output --partial 'pending (PG_NAMESPACE=other PG_RELEASE=ldb npm run -s db:migrate)'
  run --separate-stderr env PG_NAMESPACE=other PG_RELEASE=ldb npm run -s db:migrate
  assert_success
  run --separate-stderr node --import tsx "$ROOT/scripts/seed.ts" "${db[@]}"
  assert_success
  run --separate-stderr node --import tsx "$ROOT/scripts/verify.ts" "${db[@]}" --json
  assert_success
  [ "$(jq -r .status <<<"$output")" = healthy ]
  run --separate-stderr node --import tsx "$ROOT/scripts/backup.ts" "${db[@]}" --dir "$BATS_TEST_TMPDIR/bk"
  assert_success
  file=$(ls "$BATS_TEST_TMPDIR"/bk/*.dump)
  [[ "$file" == */ldb-learnflow-* ]]
  run --separate-stderr node --import tsx "$ROOT/scripts/backup.ts" "${db[@]}" --dir "$BATS_TEST_TMPDIR/bk" \
    restore "$file" --yes --skip-safety-backup
  assert_success
  run --separate-stderr node --import tsx "$ROOT/scripts/deploy.ts" "${db[@]}" --uninstall --json
  assert_success
  [ "$(jq -c .kept <<<"$output")" = '["pvc/data-ldb-postgresql-0","secret/ldb-credentials"]' ]
  kubectl get pvc data-ldb-postgresql-0 -n other >/dev/null
}

@test "release ldb in namespace other: the whole flow finds ldb-postgresql-0 (Helm 4)" {
  start_cluster --helm 4
  flow
}

@test "release ldb in namespace other: the whole flow finds ldb-postgresql-0 (Helm 3)" {
  start_cluster --helm 3
  flow
}
