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

# apps/validation ValidateStatefulSetUpdate; helm v3.17.2 pkg/kube/client.go updateResource ("cannot patch"),
# v4.1.4 patchResourceServerSide (the API error as it is); both then roll back under their flag.
@test "volumeClaimTemplates are immutable: helm 3 and 4 fail the upgrade with the API's text, and roll back" {
  forbidden="StatefulSet.apps \"postgresql\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
  for major in 4 3; do
    stop_cluster
    start_cluster --helm "$major"
    install_release
    if [ "$major" = 3 ]; then flag=--atomic; text="cannot patch \"postgresql\" with kind StatefulSet: $forbidden"
    else flag=--rollback-on-failure; text=$forbidden; fi
    run --separate-stderr helm upgrade postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" \
      --set primary.persistence.size=1Gi
    assert_failure 1
    [[ "$stderr" == *"Error: UPGRADE FAILED: $text" ]]
    [ "$(helm history postgresql -n postgres -o json | jq -r '.[-1].status')" = failed ]
    run --separate-stderr helm upgrade postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" \
      --set primary.persistence.size=1Gi $flag
    assert_failure 1
    [[ "$stderr" == *"Error: UPGRADE FAILED: release postgresql failed, and has been rolled back due to ${flag#--} being set: $text" ]]
    [ "$(helm history postgresql -n postgres -o json | jq -r '.[-1].status')" = deployed ]
    [ "$(kubectl get sts postgresql -n postgres -o jsonpath='{.spec.volumeClaimTemplates[0].spec.resources.requests.storage}')" = 256Mi ]
  done
}

# action/upgrade.go failRelease: the rollback of a failed upgrade waits as the upgrade did, for --timeout again.
@test "a timed-out upgrade's rollback waits for the same --timeout again, and fails the same way" {
  for major in 4 3; do
    stop_cluster
    start_cluster --helm "$major"
    install_release
    if [ "$major" = 3 ]; then flag=--atomic; else flag=--rollback-on-failure; fi
    sim fault not-ready
    t0=$(date +%s%N)
    run --separate-stderr helm upgrade postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" \
      --set primary.resources.limits.memory=2Gi $flag --timeout 2s
    ms=$((($(date +%s%N) - t0) / 1000000))
    assert_failure 1
    [[ "$stderr" == *"Error: UPGRADE FAILED: an error occurred while rolling back the release. original upgrade error: "*"context deadline exceeded: release postgresql failed: context deadline exceeded" ]]
    [ "$ms" -ge 4000 ]
    run helm history postgresql -n postgres -o json
    [ "$(jq -r '.[-1].status' <<<"$output")" = failed ]
    [ "$(jq -r '.[-2].status' <<<"$output")" = failed ]
  done
}

# plugin/pkg/admission/storage/persistentvolume/resize; core/validation ValidatePersistentVolumeClaimUpdate.
@test "a claim grows only on a class with allowVolumeExpansion, never below its capacity; capacity follows" {
  install_release
  patch() { kubectl patch pvc data-postgresql-0 -n postgres -p "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"$1\"}}}}"; }
  run patch 1Gi
  assert_failure 1
  assert_output 'Error from server (Forbidden): persistentvolumeclaims "data-postgresql-0" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize'
  printf '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"standard-x"},"provisioner":"csi.example.com","allowVolumeExpansion":true}' | kubectl create -f -
  run kubectl get sc standard-x -o jsonpath='{.allowVolumeExpansion}'
  assert_output true
  run kubectl get sc standard -o json
  [ "$(jq 'has("allowVolumeExpansion")' <<<"$output")" = false ]
  helm uninstall postgresql -n postgres >/dev/null
  kubectl delete pvc data-postgresql-0 -n postgres >/dev/null
  helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" $(wait_flags) \
    --set primary.persistence.storageClass=standard-x >/dev/null
  run patch 128Mi
  assert_failure 1
  assert_output 'The PersistentVolumeClaim "data-postgresql-0" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity'
  run patch 1Gi
  assert_success
  assert_output 'persistentvolumeclaim/data-postgresql-0 patched'
  run patch 1Gi
  assert_output 'persistentvolumeclaim/data-postgresql-0 patched (no change)'
  for _ in 1 2; do kubectl get pvc data-postgresql-0 -n postgres >/dev/null; done
  [ "$(kubectl get pvc data-postgresql-0 -n postgres -o jsonpath='{.status.capacity.storage}')" = 1Gi ]
  run kubectl exec -n postgres postgresql-0 -- df -h /bitnami/postgresql
  assert_output --partial ' 1.0G '
  run kubectl get events -n postgres --field-selector involvedObject.name=data-postgresql-0 -o jsonpath='{.items[*].reason}'
  assert_output --partial 'FileSystemResizeSuccessful'
}

@test "deleting a StatefulSet with --cascade=orphan keeps its pod running; the next one adopts it" {
  install_release
  uid=$(kubectl get pod postgresql-0 -n postgres -o jsonpath='{.metadata.uid}')
  run kubectl delete sts postgresql -n postgres --cascade=orphan
  assert_output 'statefulset.apps "postgresql" deleted'
  run kubectl get sts postgresql -n postgres
  assert_failure 1
  [ "$(kubectl get pod postgresql-0 -n postgres -o jsonpath='{.metadata.uid} {.status.phase}')" = "$uid Running" ]
  helm upgrade postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" $(wait_flags) >/dev/null
  [ "$(kubectl get pod postgresql-0 -n postgres -o jsonpath='{.metadata.uid}')" = "$uid" ]
  run kubectl delete sts postgresql -n postgres
  run kubectl get pod postgresql-0 -n postgres
  assert_failure 1
}

# helm pkg/cli/output: UPDATED is the release's time.Time printed by Go ("2006-01-02 15:04:05.999999999 -0700 MST").
@test "helm list shows UPDATED with its seconds and a nanosecond fraction, in the table and the JSON" {
  install_release
  stamp='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} \+0000 UTC'
  run helm list -n postgres
  assert_line --index 1 --regexp "^postgresql[[:space:]]+postgres[[:space:]]+1[[:space:]]+$stamp[[:space:]]+deployed"
  run helm list -n postgres -o json
  [[ "$(jq -r '.[0].updated' <<<"$output")" =~ ^$stamp$ ]]
}

# kubectl expands the "all" category and comma-separated types, one table per type with type/name.
@test "kubectl get all and pods,svc: one table per type, names as type/name" {
  run --separate-stderr kubectl get all -n postgres
  assert_success
  [ "$stderr" = 'No resources found in postgres namespace.' ]
  install_release
  run --separate-stderr kubectl get all -n postgres
  assert_success
  assert_line --index 0 --regexp '^NAME +READY +STATUS +RESTARTS +AGE$'
  assert_line --index 1 --regexp '^pod/postgresql-0 +1/1 +Running +0 +'
  assert_line --index 3 --regexp '^service/postgresql +ClusterIP +'
  assert_line --index 6 --regexp '^statefulset.apps/postgresql +1/1 +'
  # bats' lines leave out the blank line kubectl prints between the tables.
  [[ "$output" == *$'\n\nNAME'*$'\n\nNAME'* ]]
  run kubectl get pods,svc -n postgres -o name
  assert_output $'pod/postgresql-0\nservice/postgresql\nservice/postgresql-hl'
  run --separate-stderr kubectl get all,bogus -n postgres
  assert_failure 1
  [ "$stderr" = "error: the server doesn't have a resource type \"bogus\"" ]
}

@test "a call is in calls.jsonl from its start: one killed before it ends keeps a running exit" {
  install_release
  # Its own process group, so the kill reaches the double behind the wrapper too.
  setsid kubectl exec -n postgres postgresql-0 -- sleep 30 &
  pid=$!
  for _ in $(seq 50); do grep -q '"sleep"' "$CLUSTER/calls.jsonl" && break; sleep 0.1; done
  kill -9 -- "-$pid"
  wait "$pid" 2>/dev/null || true
  sleep 0.5
  ! kill -0 -- "-$pid" 2>/dev/null
  run jq -r 'select(.argv[0] == "exec") | .exit | type' "$CLUSTER/calls.jsonl"
  assert_output string
  kubectl get pod postgresql-0 -n postgres >/dev/null
  run jq -c 'select(.argv[0] == "get" and .argv[1] == "pod")' "$CLUSTER/calls.jsonl"
  assert_output '{"tool":"kubectl","argv":["get","pod","postgresql-0","-n","postgres"],"exit":0}'
}
