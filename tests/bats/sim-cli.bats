#!/usr/bin/env bats
# The simulated cluster's control command and the kubectl/helm CLI surface without a release.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

@test "sim start prints exports that put the doubles first on PATH" {
  run "$ROOT/tests/sim/sim" start "$BATS_TEST_TMPDIR/other"
  assert_success
  assert_line --partial "export PATH='$BATS_TEST_TMPDIR/other/bin'"
  run "$ROOT/tests/sim/sim" start "$BATS_TEST_TMPDIR/other"
  assert_failure
  assert_output --partial "already runs in"
  "$ROOT/tests/sim/sim" stop "$BATS_TEST_TMPDIR/other"
  [ "$(command -v kubectl)" = "$CLUSTER/bin/kubectl" ]
}

@test "a new cluster has the system namespaces and one default StorageClass" {
  run --separate-stderr kubectl get ns -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'
  assert_success
  assert_output $'default\nkube-system'
  run --separate-stderr kubectl get storageclass -o json
  assert_success
  [ "$(jq -r '.items | length' <<<"$output")" = 1 ]
  [ "$(jq -r '.items[0].metadata.annotations["storageclass.kubernetes.io/is-default-class"]' <<<"$output")" = true ]
  run helm list -A -o json
  assert_output '[]'
}

@test "kubectl rejects an unknown flag the way kubectl does" {
  run --separate-stderr kubectl get pods --bogus
  assert_failure 1
  [ "$stderr" = $'error: unknown flag: --bogus\nSee \'kubectl get --help\' for usage.' ]
  run --separate-stderr kubectl get pods -Z
  assert_failure 1
  [[ "$stderr" == "error: unknown shorthand flag: 'Z' in -Z"* ]]
}

@test "a real flag the double does not model is refused, not ignored" {
  run --separate-stderr kubectl get pods --watch
  assert_failure 1
  [ "$stderr" = "sim: kubectl get: flag --watch is not simulated" ]
}

@test "features other teams' scripts reach for answer 'not simulated', naming the feature" {
  echo '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}' >"$BATS_TEST_TMPDIR/ns.json"
  run --separate-stderr kubectl apply -f "$BATS_TEST_TMPDIR/ns.json"
  assert_failure 1
  [ "$stderr" = "sim: kubectl apply is not simulated" ]
  run --separate-stderr kubectl delete pods -l app=x -n default
  assert_failure 1
  [ "$stderr" = "sim: kubectl delete: flag --selector is not simulated" ]
  run --separate-stderr kubectl delete pods --all -n default
  assert_failure 1
  [ "$stderr" = "sim: kubectl delete: flag --all is not simulated" ]
  run kubectl get ns x
  assert_failure
}

@test "an unmodelled helm command says so, with a hint that fits it" {
  run --separate-stderr helm repo add bitnami https://example.com/charts
  assert_failure 1
  [ "$stderr" = 'sim: helm repo is not simulated (the simulated cluster serves its charts by OCI reference only: oci://registry-1.docker.io/bitnamicharts/postgresql)' ]
  run --separate-stderr helm template x oci://registry-1.docker.io/bitnamicharts/postgresql
  assert_failure 1
  [ "$stderr" = 'sim: helm template is not simulated (the real helm in node_modules/.cache/real-tools renders and lints the chart)' ]
}

@test "kubectl reports a missing object with the API server's NotFound text" {
  run --separate-stderr kubectl get pod postgresql-0 -n postgres -o json
  assert_failure 1
  [ "$stderr" = 'Error from server (NotFound): pods "postgresql-0" not found' ]
  [ -z "$output" ]
  run --separate-stderr kubectl get secret nope -n default --ignore-not-found -o json
  assert_success
  [ -z "$output" ]
}

@test "kubectl lists nothing with kubectl's message on stderr and an empty List in JSON" {
  run --separate-stderr kubectl get pods -n postgres
  assert_success
  [ -z "$output" ]
  [ "$stderr" = "No resources found in postgres namespace." ]
  run --separate-stderr kubectl get pods -n postgres -o json
  [ "$(jq -c '{kind, items}' <<<"$output")" = '{"kind":"List","items":[]}' ]
}

@test "create namespace twice: AlreadyExists on the second" {
  run kubectl create namespace postgres
  assert_success
  assert_output "namespace/postgres created"
  run --separate-stderr kubectl create namespace postgres
  assert_failure 1
  [ "$stderr" = 'Error from server (AlreadyExists): namespaces "postgres" already exists' ]
}

@test "a Secret created from stdin keeps its data and never shows it in argv" {
  kubectl create namespace postgres
  printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"postgres"},"stringData":{"password":"hunter2-very-secret"}}' | kubectl create -f -
  run --separate-stderr kubectl get secret s -n postgres -o jsonpath='{.data.password}'
  assert_success
  [ "$(base64 -d <<<"$output")" = hunter2-very-secret ]
  run grep -c hunter2 "$CLUSTER/calls.jsonl"
  assert_output 0
  run --separate-stderr kubectl create -f - <<<'{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"postgres"},"stringData":{"a":"b"}}'
  assert_failure 1
  [ "$stderr" = 'Error from server (AlreadyExists): error when creating "STDIN": secrets "s" already exists' ]
}

@test "every call lands in calls.jsonl with its argv and exit code" {
  kubectl get ns >/dev/null
  kubectl get pod missing -n x 2>/dev/null || true
  helm version --short >/dev/null
  run jq -c . "$CLUSTER/calls.jsonl"
  assert_line --index 0 '{"tool":"kubectl","argv":["get","ns"],"exit":0}'
  assert_line --index 1 '{"tool":"kubectl","argv":["get","pod","missing","-n","x"],"exit":1}'
  assert_line --index 2 '{"tool":"helm","argv":["version","--short"],"exit":0}'
}

@test "an unknown context is refused as kubectl and helm refuse it" {
  run --separate-stderr kubectl --context nope get ns
  assert_failure 1
  [ "$stderr" = 'error: context "nope" does not exist' ]
  run kubectl config current-context
  assert_output minikube
}

@test "helm 4 by default: version, and Helm 4 flags accepted" {
  run helm version --short
  assert_output --regexp '^v4\.1\.[0-9]+\+g[0-9a-f]{7}$'
  run helm version --template '{{.Version}}'
  assert_output --regexp '^v4\.'
  run --separate-stderr helm upgrade --install x "$CHART" --bogus
  assert_failure 1
  [ "$stderr" = "Error: unknown flag: --bogus" ]
}

@test "helm 3: Helm 4's flags are rejected with Helm 3's texts" {
  "$ROOT/tests/sim/sim" start "$BATS_TEST_TMPDIR/h3" --helm 3 >/dev/null
  local h3="$BATS_TEST_TMPDIR/h3/bin/helm"
  run "$h3" version --short
  assert_output --regexp '^v3\.17\.'
  run --separate-stderr "$h3" upgrade --install pg "$CHART" -n default --rollback-on-failure
  assert_failure 1
  [ "$stderr" = "Error: unknown flag: --rollback-on-failure" ]
  run --separate-stderr "$h3" upgrade --install pg "$CHART" -n default --wait=watcher
  assert_failure 1
  [ "$stderr" = 'Error: invalid argument "watcher" for "--wait" flag: strconv.ParseBool: parsing "watcher": invalid syntax' ]
  "$ROOT/tests/sim/sim" stop "$BATS_TEST_TMPDIR/h3"
}

@test "helm status of a release that does not exist" {
  run --separate-stderr helm status postgresql -n postgres -o json
  assert_failure 1
  [ "$stderr" = "Error: release: not found" ]
}

@test "sim rejects an unknown fault and a malformed value without changing anything" {
  run sim fault no-such-fault
  assert_failure 2
  assert_output --partial 'unknown fault "no-such-fault"'
  run sim fault exec-cut lots
  assert_failure 2
  run jq -c .faults "$CLUSTER/state.json"
  assert_output '{}'
}

@test "the daemon's quick answers are byte for byte the ones a separate process gives" {
  kubectl create namespace postgres >/dev/null
  # (tables are left out: their AGE column moves between the two calls)
  for args in "get ns -o name" "get ns default -o json" "get pod nope -n postgres" "get pods --bogus" "get sc -o jsonpath={.items[0].metadata.name}" "version --client -o json"; do
    run --separate-stderr kubectl $args
    local d_out=$output d_err=$stderr d_status=$status
    run --separate-stderr env SIM_DIR="$CLUSTER" node "$ROOT/tests/sim/kubectl.mjs" $args
    [ "$status" = "$d_status" ] && [ "$output" = "$d_out" ] && [ "$stderr" = "$d_err" ] || { echo "differs: $args"; return 1; }
  done
  run --separate-stderr helm list -A -o json
  local h=$output
  run --separate-stderr env SIM_DIR="$CLUSTER" node "$ROOT/tests/sim/helm.mjs" list -A -o json
  [ "$output" = "$h" ]
}
