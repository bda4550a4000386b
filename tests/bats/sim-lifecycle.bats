#!/usr/bin/env bats
# Release and pod lifecycle: pod deletion, reinstall, the password trap, stop.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

@test "data survives pod deletion; the pod's /tmp does not" {
  install_release
  pod_psql -c 'create table kept (v text); insert into kept values ($$still here$$)'
  kubectl exec -n postgres postgresql-0 -- touch /tmp/scratch
  run kubectl delete pod postgresql-0 -n postgres
  assert_output 'pod "postgresql-0" deleted'
  kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=30s
  run pod_psql -c 'select v from kept'
  assert_output "still here"
  run kubectl exec -n postgres postgresql-0 -- ls /tmp/scratch
  assert_failure
}

@test "a server that dies is restarted by the kubelet and the restart is counted" {
  install_release
  pid=$(jq -r '.pods["postgres/postgresql-0"].container.pid' "$CLUSTER/state.json")
  kill -KILL "$pid"
  kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=30s
  run kubectl get pod postgresql-0 -n postgres -o jsonpath='{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.reason}'
  assert_output "1 Error"
  run kubectl logs postgresql-0 -n postgres --previous
  assert_success
}

@test "uninstall keeps the PVC and the external Secret, removes the chart's objects" {
  install_release
  run helm uninstall postgresql -n postgres
  assert_output 'release "postgresql" uninstalled'
  run --separate-stderr kubectl get pods -n postgres -o json
  [ "$(jq '.items | length' <<<"$output")" = 0 ]
  run kubectl get pvc data-postgresql-0 -n postgres -o jsonpath='{.status.phase}'
  assert_output Bound
  run kubectl get secret pg-credentials -n postgres -o name
  assert_output secret/pg-credentials
  run --separate-stderr helm status postgresql -n postgres
  [ "$stderr" = "Error: release: not found" ]
}

@test "reinstalling with a chart-generated password cannot log in to the old data (28P01)" {
  kubectl create namespace postgres
  helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" \
    --set auth.existingSecret= $(wait_flags) --timeout 60s >/dev/null
  first=$(kubectl get secret postgresql -n postgres -o jsonpath='{.data.password}')
  helm uninstall postgresql -n postgres
  run --separate-stderr kubectl get secret postgresql -n postgres
  assert_failure 1
  helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" \
    --set auth.existingSecret= $(wait_flags) --timeout 60s >/dev/null
  second=$(kubectl get secret postgresql -n postgres -o jsonpath='{.data.password}')
  [ "$first" != "$second" ]
  # Ready, yet every login fails: the readiness probe does not authenticate.
  run kubectl get pod postgresql-0 -n postgres -o jsonpath='{.status.containerStatuses[0].ready}'
  assert_output true
  run --separate-stderr pod_psql -c 'select 1'
  assert_failure 2
  [[ "$stderr" == *'password authentication failed for user "learnflow"'* ]]
}

@test "an upgrade that changes the pod template replaces the pod and keeps the data" {
  install_release
  pod_psql -c 'create table t (v int); insert into t values (42)'
  old_uid=$(kubectl get pod postgresql-0 -n postgres -o jsonpath='{.metadata.uid}')
  helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" \
    --set primary.resources.limits.memory=768Mi $(wait_flags) --timeout 60s >/dev/null
  new_uid=$(kubectl get pod postgresql-0 -n postgres -o jsonpath='{.metadata.uid}')
  [ "$old_uid" != "$new_uid" ]
  run pod_psql -c 'select v from t'
  assert_output 42
  run --separate-stderr helm history postgresql -n postgres -o json
  [ "$(jq -c '[.[] | {revision, status}]' <<<"$output")" = '[{"revision":1,"status":"superseded"},{"revision":2,"status":"deployed"}]' ]
}

@test "stop ends every process the cluster started and unmounts its volumes" {
  install_release
  kubectl exec -n postgres postgresql-0 -- sh -c 'sleep 300 >/dev/null 2>&1 &'
  "$ROOT/tests/sim/sim" stop "$CLUSTER"
  run bash -c "grep -l 'SIM_CLUSTER=$CLUSTER' /proc/[0-9]*/environ 2>/dev/null"
  assert_output ""
  run grep -c "$CLUSTER/volumes" /proc/self/mounts
  assert_output 0
  # A stopped cluster answers like one that is down.
  run --separate-stderr kubectl get ns
  assert_failure 1
  [[ "$stderr" == *"was refused - did you specify the right host or port?" ]]
}
