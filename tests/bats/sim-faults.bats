#!/usr/bin/env bats
# Each fault the simulation can switch on, seen the way real kubectl and helm show it.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

pod_field() { kubectl get pod postgresql-0 -n postgres -o jsonpath="$1"; }

@test "unreachable: kubectl prints the discovery errors and the refused line, exit 1" {
  sim fault unreachable
  run --separate-stderr kubectl get pods -n postgres -o json
  assert_failure 1
  [ -z "$output" ]
  [[ "${stderr_lines[0]}" =~ ^E[0-9]{4}\ [0-9:.]+\ +[0-9]+\ memcache.go:[0-9]+\]\ \"Unhandled\ Error\"\ err=\"couldn\'t\ get\ current\ server\ API\ group\ list:\ Get ]]
  [ "${stderr_lines[-1]}" = "The connection to the server 192.168.49.2:8443 was refused - did you specify the right host or port?" ]
  # The client half still answers; the server half fails.
  run --separate-stderr kubectl version --client -o json
  assert_success
  run --separate-stderr kubectl version -o json
  assert_failure 1
  [ "$(jq -r '.clientVersion.major' <<<"$output")" = 1 ]
  [ "$(jq -r '.serverVersion // "none"' <<<"$output")" = none ]
}

@test "unreachable: helm 4 and helm 3 print their own casing" {
  sim fault unreachable
  run --separate-stderr helm list -n postgres -o json
  assert_failure 1
  [ "$stderr" = 'Error: kubernetes cluster unreachable: Get "https://192.168.49.2:8443/version": dial tcp 192.168.49.2:8443: connect: connection refused' ]
  "$ROOT/tests/sim/sim" start "$BATS_TEST_TMPDIR/h3" --helm 3 >/dev/null
  "$ROOT/tests/sim/sim" fault "$BATS_TEST_TMPDIR/h3" unreachable
  run --separate-stderr "$BATS_TEST_TMPDIR/h3/bin/helm" status pg -n postgres
  [[ "$stderr" == "Error: Kubernetes cluster unreachable: Get"* ]]
  "$ROOT/tests/sim/sim" stop "$BATS_TEST_TMPDIR/h3"
  sim clear unreachable
  run kubectl get ns default -o name
  assert_output namespace/default
}

@test "no default StorageClass: the PVC stays Pending with FailedBinding, the pod unschedulable" {
  sim fault no-default-storageclass
  create_credentials postgres
  run --separate-stderr helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" --wait --timeout 2s
  assert_failure 1
  # upgrade --install of a new release prints install errors without a prefix; Helm 4 names the resource.
  [[ "$stderr" == *"Error: resource StatefulSet/postgres/postgresql not ready. status: InProgress"* ]]
  [ "${stderr_lines[-1]}" = "context deadline exceeded" ]
  run kubectl get pvc data-postgresql-0 -n postgres -o jsonpath='{.status.phase}'
  assert_output Pending
  run --separate-stderr kubectl get events -n postgres --field-selector involvedObject.name=data-postgresql-0 -o json
  [ "$(jq -r '.items[] | select(.reason=="FailedBinding") | .message' <<<"$output")" = "no persistent volumes available for this claim and no storage class is set" ]
  run pod_field '{.status.conditions[?(@.type=="PodScheduled")].reason}'
  assert_output Unschedulable
  run helm status postgresql -n postgres -o json
  [ "$(jq -r .info.status <<<"$output")" = failed ]
  # Once a default class exists the claim binds and the pod starts.
  sim clear no-default-storageclass
  kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=30s
}

@test "image pull failure: ErrImagePull then ImagePullBackOff, with the image and manifest unknown" {
  sim fault image-pull
  run install_release --timeout 2s
  assert_failure
  run pod_field '{.status.containerStatuses[0].state.waiting.reason}'
  assert_output ImagePullBackOff
  run --separate-stderr kubectl get events -n postgres --field-selector involvedObject.name=postgresql-0,reason=Failed -o jsonpath='{.items[0].message}'
  assert_output 'Failed to pull image "docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4": Error response from daemon: manifest for bitnamilegacy/postgresql:17.6.0-debian-12-r4 not found: manifest unknown: manifest unknown'
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- true
  assert_failure 1
  [ "$stderr" = 'error: Internal error occurred: unable to upgrade connection: container not found ("postgresql")' ]
}

@test "a versioned docker.io/bitnami tag no longer pulls, without any fault" {
  create_credentials postgres
  run helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres \
    --set auth.existingSecret=pg-credentials --set auth.username=learnflow --wait --timeout 2s
  assert_failure
  run pod_field '{.status.containerStatuses[0].state.waiting.message}'
  assert_output --partial 'manifest for bitnami/postgresql:17.6.0-debian-12-r4 not found: manifest unknown'
}

@test "a substituted image without allowInsecureImages is refused at render time" {
  create_credentials postgres
  run --separate-stderr helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" \
    --set global.security.allowInsecureImages=false --set image.repository=library/postgres
  assert_failure 1
  [[ "$stderr" == *$'\nError: execution error at (postgresql/templates/NOTES.txt:123:4): \n'* ]]
  [[ "$stderr" == *"Original containers have been substituted for unrecognized ones"* ]]
  [[ "$stderr" == *"  - docker.io/library/postgres:17.6.0-debian-12-r4"* ]]
  run helm list -n postgres -o json
  assert_output '[]'
}

@test "bitnamilegacy passes the image check from chart 16.7.25 on, and fails it before" {
  create_credentials postgres
  run helm upgrade --install postgresql "$CHART" --version 16.7.24 -n postgres -f "$SIM_VALUES" \
    --set global.security.allowInsecureImages=false --set-string image.tag=17.5.0-debian-12-r20
  assert_failure 1
  run helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" \
    --set global.security.allowInsecureImages=false $(wait_flags) --timeout 60s
  assert_success
}

@test "crash loop: CrashLoopBackOff, restarts counted, last log lines kept" {
  install_release
  sim fault crash-loop
  run pod_field '{.status.containerStatuses[0].state.waiting.reason} {.status.containerStatuses[0].lastState.terminated.exitCode}'
  assert_output "CrashLoopBackOff 1"
  [ "$(pod_field '{.status.containerStatuses[0].restartCount}')" -ge 1 ]
  run kubectl logs postgresql-0 -n postgres --tail 2
  assert_output --partial "FATAL:  database files are incompatible with server"
  sim clear crash-loop
  kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=30s
}

@test "OOMKilled: last termination reason and exit 137" {
  install_release
  sim fault oom
  run pod_field '{.status.containerStatuses[0].lastState.terminated.reason} {.status.containerStatuses[0].lastState.terminated.exitCode} {.spec.containers[0].resources.limits.memory}'
  assert_output "OOMKilled 137 512Mi"
}

@test "not ready: Running but 0/1, exec works, the server does not answer" {
  install_release
  sim fault not-ready
  run kubectl get pods -n postgres --no-headers
  assert_output --regexp '^postgresql-0 +0/1 +Running'
  run --separate-stderr pod_psql -c 'select 1'
  assert_failure 2
  [[ "$stderr" == *"No such file or directory"* ]]
  sim clear not-ready
  kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=30s
  run pod_psql -c 'select 1'
  assert_output 1
}

@test "release failed and pending-upgrade, as helm shows them" {
  install_release
  sim fault release-failed
  run helm status postgresql -n postgres -o json
  [ "$(jq -r .info.status <<<"$output")" = failed ]
  sim fault release-pending-upgrade
  run --separate-stderr helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES"
  assert_failure 1
  [ "${stderr_lines[-1]}" = "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress" ]
  # Helm 4 lists every status by default; Helm 3 would need --pending.
  run helm list -n postgres -o json
  [ "$(jq -r '.[0].status' <<<"$output")" = pending-upgrade ]
  run helm list -n postgres --deployed -o json
  assert_output '[]' 
}

@test "exec stream cut after N bytes: truncated output and exit 0, as kubernetes#73056" {
  install_release
  sim fault exec-cut 1000
  run bash -c "kubectl exec -n postgres postgresql-0 -- head -c 100000 /dev/zero | wc -c"
  assert_success
  assert_output 1000
  kubectl exec -n postgres postgresql-0 -- sh -c 'exit 3' && status=0 || status=$?
  [ "$status" = 3 ]
}

@test "low max_connections: new connections are refused with SQLSTATE 53300" {
  install_release
  sim fault max-connections 5
  kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=30s
  run pod_psql -c 'show max_connections'
  assert_output 5
  # Two app connections fill the 5 - 3 reserved slots; the third is refused.
  pod_psql -c 'select pg_sleep(20)' & pod_psql -c 'select pg_sleep(20)' &
  sleep 2
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -U learnflow -d learnflow -c "select 1" -v VERBOSITY=verbose'
  assert_failure 2
  [[ "$stderr" == *"sorry, too many clients already"* || "$stderr" == *"remaining connection slots are reserved"* ]]
  # A superuser slot still lets a diagnosis in.
  run kubectl exec -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -U postgres -Atc "select count(*) from pg_stat_activity where datname = current_database()"'
  assert_success
  kill %1 %2 2>/dev/null || true
}

@test "disk nearly full: the volume reports the fill level and writes fail with 53100" {
  install_release
  sim fault disk-full 97
  run kubectl exec -n postgres postgresql-0 -- df -P /bitnami/postgresql
  pct=$(awk 'NR==2 {print $5}' <<<"$output" | tr -d %)
  [ "$pct" -ge 95 ]
  run --separate-stderr pod_psql -c 'create table big as select repeat($$x$$, 1000) as v from generate_series(1, 200000)'
  assert_failure
  [[ "$stderr" == *"No space left on device"* || "$stderr" == *"could not"* ]]
  sim clear disk-full
  run kubectl exec -n postgres postgresql-0 -- df -P /bitnami/postgresql
  pct=$(awk 'NR==2 {print $5}' <<<"$output" | tr -d %)
  [ "$pct" -lt 50 ]
}
