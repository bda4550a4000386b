# Shared setup for the behaviour tests: bats helpers from node_modules, a simulated cluster per test.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export BATS_LIB_PATH="$ROOT/node_modules"
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

CHART=oci://registry-1.docker.io/bitnamicharts/postgresql
CHART_VERSION=16.7.27
SIM_VALUES="$ROOT/tests/sim/fixtures/values.yaml"

# Starts a cluster in this test's own directory and puts its kubectl and helm first on PATH.
start_cluster() {
  CLUSTER="$BATS_TEST_TMPDIR/cluster"
  eval "$("$ROOT/tests/sim/sim" start "$CLUSTER" "$@")"
}

stop_cluster() {
  [ -n "${CLUSTER:-}" ] && "$ROOT/tests/sim/sim" stop "$CLUSTER"
}

sim() { "$ROOT/tests/sim/sim" "$1" "$CLUSTER" "${@:2}"; }

# The credentials Secret the fixture values point at, sent on stdin as the toolkit does.
create_credentials() {
  local ns=${1:-postgres}
  kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
  printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"pg-credentials","namespace":"%s"},"stringData":{"postgres-password":"admin-secret-pw","password":"user-secret-pw"}}' \
    "$ns" | kubectl create -f - >/dev/null
}

wait_flags() {
  if helm version --short | grep -q '^v3'; then echo --wait; else echo --wait=watcher; fi
}

install_release() {
  create_credentials postgres
  helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres \
    -f "$SIM_VALUES" $(wait_flags) --timeout 60s "$@" >/dev/null
}

# psql as the app user inside the pod, password read there from the mounted file.
pod_psql() {
  kubectl exec -i -n postgres postgresql-0 -- sh -c \
    'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -U learnflow -d learnflow -v ON_ERROR_STOP=1 -Atq "$@"' psql "$@"
}

calls() { cat "$CLUSTER/calls.jsonl"; }

# Waits up to 10 s until the command prints WANT; fails if it never does.
wait_until() {
  local want=$1
  shift
  for _ in $(seq 100); do [ "$("$@")" = "$want" ] && return 0; sleep 0.1; done
  [ "$("$@")" = "$want" ]
}
# Ctrl-C to node itself, then its exit status in $status.
interrupt() {
  kill -INT "$1"
  status=0
  wait "$1" || status=$?
}
