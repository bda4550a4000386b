#!/usr/bin/env bats
# A pod's network: its own namespace with PostgreSQL on TCP 5432, the chart's readiness probe over it,
# and kubectl port-forward from this machine into it (pod and svc/NAME), with kubectl's words.
load test_helper

setup_file() {
  export CLUSTER="$BATS_FILE_TMPDIR/cluster"
  eval "$("$ROOT/tests/sim/sim" start "$CLUSTER")"
  install_release
  # A second release in another namespace: its pod listens on the same 127.0.0.1:5432, in its own network.
  create_credentials other
  helm upgrade --install ldb "$CHART" --version "$CHART_VERSION" -n other -f "$SIM_VALUES" $(wait_flags) \
    --timeout 60s >/dev/null
}
teardown_file() { "$ROOT/tests/sim/sim" stop "$CLUSTER"; }
setup() { export PATH="$CLUSTER/bin:$PATH"; }
teardown() { [ -z "${PF:-}" ] || kill "$PF" 2>/dev/null || true; }

# Starts kubectl port-forward ARGS in the background (its own fds: bats waits for fd 3) and waits for its
# first line or its exit. PF is its pid; its stdout and stderr are in pf.out and pf.err.
forward() {
  kubectl port-forward "$@" >"$BATS_TEST_TMPDIR/pf.out" 2>"$BATS_TEST_TMPDIR/pf.err" 3>&- &
  PF=$!
  for _ in $(seq 100); do
    [ -s "$BATS_TEST_TMPDIR/pf.out" ] || [ -s "$BATS_TEST_TMPDIR/pf.err" ] || ! kill -0 "$PF" 2>/dev/null && break
    sleep 0.05
  done
}
forwarded_port() { sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) -> .*/\1/p' "$BATS_TEST_TMPDIR/pf.out"; }
host_psql() { PGPASSWORD=user-secret-pw psql -h "$1" -p "$2" -U learnflow -d learnflow -w -Atc "${3:-select 1}"; }
# A port nothing on this machine listens on now.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# Waits for PF to end; its exit status is in PF_STATUS.
wait_forward() {
  local status=0
  wait "$PF" || status=$?
  PF_STATUS=$status PF=
}

@test "in the pod, PostgreSQL answers on 127.0.0.1:5432 with md5, and the image's LANG is set" {
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- sh -c \
    'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -h 127.0.0.1 -U learnflow -d learnflow -Atc "select inet_server_addr()"'
  assert_success
  assert_output 127.0.0.1
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- psql -h 127.0.0.1 -U learnflow -d learnflow -w -c 'select 1'
  assert_failure 2
  [[ "$stderr" == *"fe_sendauth: no password supplied"* ]]
  run kubectl exec -n postgres postgresql-0 -- sh -c 'echo "$LANG|$LANGUAGE"'
  assert_output 'en_US.UTF-8|en_US:en'
  run pod_psql -c "select datcollate from pg_database where datname = current_database()"
  assert_output en_US.UTF-8
  # The image's ENV is the container's, not the pod spec's.
  run kubectl get pod -n postgres postgresql-0 -o json
  [ "$(jq '[.spec.containers[0].env[].name | select(. == "LANG" or . == "PGHOST")] | length' <<<"$output")" = 0 ]
}

@test "every pod has its own network: two pods listen on 127.0.0.1:5432, each sees only its own server" {
  tcp_psql='PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -h 127.0.0.1 -U learnflow -d learnflow -Atc "$1"'
  kubectl exec -n postgres postgresql-0 -- sh -c "$tcp_psql" sh 'create table net_marker ()'
  run kubectl exec -n postgres postgresql-0 -- sh -c "$tcp_psql" sh "select to_regclass('net_marker') is not null"
  assert_output t
  run kubectl exec -n other ldb-postgresql-0 -- sh -c "$tcp_psql" sh "select to_regclass('net_marker') is not null"
  assert_output f
  pod_psql -c 'drop table net_marker'
}

@test "readiness is the chart's probe: the .initialized mark and a server on TCP" {
  run kubectl get pod -n postgres postgresql-0 -o jsonpath='{.status.containerStatuses[0].ready}'
  assert_output true
  kubectl exec -n postgres postgresql-0 -- rm /opt/bitnami/postgresql/tmp/.initialized
  run kubectl get pod -n postgres postgresql-0 -o jsonpath='{.status.containerStatuses[0].ready}'
  assert_output false
  kubectl exec -n postgres postgresql-0 -- touch /opt/bitnami/postgresql/tmp/.initialized
  run kubectl get pod -n postgres postgresql-0 -o jsonpath='{.status.containerStatuses[0].ready}'
  assert_output true
  run kubectl logs -n postgres postgresql-0
  assert_output --partial '** PostgreSQL setup finished! **'
}

@test "port-forward pod/NAME :5432 picks a free port on 127.0.0.1 and ::1 and relays into the pod" {
  forward -n postgres pod/postgresql-0 :5432
  port=$(forwarded_port)
  [ -n "$port" ]
  run cat "$BATS_TEST_TMPDIR/pf.out"
  assert_output "Forwarding from 127.0.0.1:$port -> 5432
Forwarding from [::1]:$port -> 5432"
  run host_psql 127.0.0.1 "$port" 'select current_user'
  assert_success
  assert_output learnflow
  run host_psql ::1 "$port"
  assert_success
  kill -INT "$PF"
  wait_forward
  [ "$PF_STATUS" = 0 ]
  [ "$(grep -c "^Handling connection for $port\$" "$BATS_TEST_TMPDIR/pf.out")" = 2 ]
  [ ! -s "$BATS_TEST_TMPDIR/pf.err" ]
}

@test "port-forward svc/NAME translates the service port (by number or name) to the pod's container port" {
  port=$(free_port)
  forward -n other svc/ldb-postgresql "$port:tcp-postgresql"
  run cat "$BATS_TEST_TMPDIR/pf.out"
  assert_line "Forwarding from 127.0.0.1:$port -> 5432"
  run host_psql 127.0.0.1 "$port" "select current_database()"
  assert_success
  kill -INT "$PF"
  wait_forward
  run --separate-stderr kubectl port-forward -n other svc/ldb-postgresql 15432:5433
  assert_failure 1
  [ "$stderr" = "error: Service ldb-postgresql does not have a service port 5433" ]
  run --separate-stderr kubectl port-forward -n other service/missing 15432:5432
  assert_failure 1
  [ "$stderr" = 'Error from server (NotFound): services "missing" not found' ]
  run --separate-stderr kubectl port-forward -n other pod/ldb-postgresql-0 15432:http
  assert_failure 1
  [ "$stderr" = "error: Pod 'ldb-postgresql-0' does not have a named port 'http'" ]
}

@test "port-forward on a port in use fails as kubectl does, naming both addresses" {
  forward -n postgres pod/postgresql-0 :5432
  port=$(forwarded_port)
  run --separate-stderr kubectl port-forward -n postgres pod/postgresql-0 "$port:5432"
  assert_failure 1
  [ "$stderr" = "Unable to listen on port $port: Listeners failed to create with the following errors: [unable to create listener: Error listen tcp4 127.0.0.1:$port: bind: address already in use unable to create listener: Error listen tcp6 [::1]:$port: bind: address already in use]
error: unable to listen on any of the requested ports: [{$port 5432}]" ]
  # The first forward still works.
  run host_psql 127.0.0.1 "$port"
  assert_success
}

@test "port-forward refuses bad ports and a missing port with kubectl's messages" {
  run --separate-stderr kubectl port-forward -n postgres pod/postgresql-0
  assert_failure 1
  [[ "$stderr" == "error: TYPE/NAME and list of ports are required for port-forward"* ]]
  run --separate-stderr kubectl port-forward -n postgres pod/postgresql-0 abc:5432
  [ "$stderr" = "error: error parsing local port 'abc': strconv.ParseUint: parsing \"abc\": invalid syntax" ]
  # A remote port that is not a number is a port name, looked up first (convertPodNamedPortToNumber).
  run --separate-stderr kubectl port-forward -n postgres pod/postgresql-0 abc
  [ "$stderr" = "error: Pod 'postgresql-0' does not have a named port 'abc'" ]
  run --separate-stderr kubectl port-forward -n postgres pod/postgresql-0 1:2:3
  [ "$stderr" = "error: invalid port format '1:2:3'" ]
  run --separate-stderr kubectl port-forward -n postgres pod/postgresql-0 5000:0
  [ "$stderr" = "error: remote port must be > 0" ]
  run --separate-stderr kubectl port-forward -n postgres pod/postgresql-0 70000:5432
  [ "$stderr" = "error: error parsing local port '70000': strconv.ParseUint: parsing \"70000\": value out of range" ]
  run --separate-stderr kubectl port-forward -n postgres --address nowhere pod/postgresql-0 :5432
  [ "$stderr" = "error: nowhere is not a valid IP" ]
  run --separate-stderr kubectl port-forward -n postgres deploy/x :5432
  [ "$stderr" = "sim: kubectl port-forward to deploy/x is not simulated (pods and services are)" ]
}

@test "a connection to a port nothing listens on in the pod ends the forward: lost connection to pod" {
  forward -n postgres pod/postgresql-0 :5433
  port=$(forwarded_port)
  run host_psql 127.0.0.1 "$port"
  assert_failure
  wait_forward
  [ "$PF_STATUS" = 1 ]
  run cat "$BATS_TEST_TMPDIR/pf.err"
  assert_line --partial 'portforward.go:424] "Unhandled Error" err="an error occurred forwarding '"$port"' -> 5433: error forwarding port 5433 to pod '
  assert_output --partial 'dial tcp4 127.0.0.1:5433: connect: connection refused IPv6 dial tcp6 [::1]:5433: connect: connection refused'
  assert_line 'error: lost connection to pod'
}

@test "deleting the pod ends a running forward with lost connection; a pod that is not Running is refused" {
  forward -n other pod/ldb-postgresql-0 :5432
  kubectl delete pod -n other ldb-postgresql-0 --wait=false >/dev/null
  wait_forward
  [ "$PF_STATUS" = 1 ]
  run cat "$BATS_TEST_TMPDIR/pf.err"
  assert_output 'error: lost connection to pod'
  kubectl scale sts -n other ldb-postgresql --replicas=0 >/dev/null
  sim fault pull-rate-limit
  kubectl scale sts -n other ldb-postgresql --replicas=1 >/dev/null
  run --separate-stderr kubectl port-forward -n other pod/ldb-postgresql-0 :5432
  assert_failure 1
  [ "$stderr" = 'error: unable to forward port because pod is not running. Current status=Pending' ]
  sim clear pull-rate-limit
}
