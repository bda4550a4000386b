#!/usr/bin/env bats
# verify.ts: healthy, unhealthy with the problem, or not deployed; each its own exit code.
load test_helper

setup() { start_cluster; }
teardown() {
  stop_cluster
  if [ -n "${NODE_DISK:-}" ]; then umount -l "$NODE_DISK"; fi
}

deploy() { node --import tsx "$ROOT/scripts/deploy.ts" "$@" >/dev/null 2>&1; }
verify() { node --import tsx "$ROOT/scripts/verify.ts" "$@"; }
calls_since() { tail -n +"$(($1 + 1))" "$CLUSTER/calls.jsonl" | wc -l; }
problem_codes() { jq -r '[.problems[].code] | join(",")' <<<"$output"; }

@test "healthy: one verdict line with the measurements, exit 0, at most four calls" {
  deploy
  node --import tsx "$ROOT/scripts/migrate.ts" >/dev/null 2>&1
  n=$(wc -l <"$CLUSTER/calls.jsonl")
  run --separate-stderr verify
  assert_success
  assert_line --index 0 --regexp '^healthy: postgresql in postgres \(PostgreSQL [0-9.]+, query [0-9.]+ ms, connections [0-9]+/100, volume [0-9.]+%, database [0-9.]+ MiB, migrations 6 applied, 0 pending\)$'
  [ "${#lines[@]}" -eq 1 ]
  [ "$(calls_since "$n")" -le 4 ]
}

@test "a Secret name the API server would refuse is bad input (2), checked before any call" {
  run --separate-stderr verify --secret-name Bad_Secret
  assert_failure 2
  [[ "$stderr" == *'error: secret name "Bad_Secret" is not a valid name'* ]]
  run --separate-stderr verify -n Bad_NS
  assert_failure 2
  [[ "$stderr" == *'error: namespace "Bad_NS" is not a valid name'* ]]
  [ ! -s "$CLUSTER/calls.jsonl" ]
}

@test "--json: one object with status, problems, warnings and details" {
  deploy
  node --import tsx "$ROOT/scripts/migrate.ts" >/dev/null 2>&1
  run --separate-stderr verify --json
  assert_success
  [ "$(jq -c '{ok, status, problems, warnings, max: .details.connections.max}' <<<"$output")" = '{"ok":true,"status":"healthy","problems":[],"warnings":[],"max":100}' ]
}

@test "not deployed: no namespace, namespace without release, release without pod; exit 4" {
  run --separate-stderr verify
  assert_failure 4
  assert_output 'not deployed: namespace postgres does not exist (fix: npm run -s db:deploy)'
  kubectl create namespace postgres >/dev/null
  run --separate-stderr verify --json
  assert_failure 4
  [ "$(jq -c '{status, part: .missing.part}' <<<"$output")" = '{"status":"not-deployed","part":"release"}' ]
  deploy
  kubectl scale statefulset postgresql -n postgres --replicas=0 >/dev/null
  run --separate-stderr verify
  assert_failure 4
  assert_output --partial 'not deployed: release postgresql (deployed) has no pod postgresql-0'
}

@test "unreachable cluster is an error (3), not 'not deployed'" {
  sim fault unreachable
  run --separate-stderr verify
  assert_failure 3
  [[ "$stderr" == "error: cluster unreachable"* ]]
}

@test "each pod fault maps to its problem code, exit 1" {
  deploy
  for fault in crash-loop oom not-ready image-pull; do
    sim fault "$fault"
    run --separate-stderr verify --json
    [ "$status" -eq 1 ] || { echo "$fault: exit $status"; return 1; }
    case $fault in
      crash-loop) expected=crash-loop ;; oom) expected=oom-killed ;; not-ready) expected=pod-not-ready ;; image-pull) expected=image-pull ;;
    esac
    [ "$(problem_codes)" = "$expected" ] || { echo "$fault: got $(problem_codes)"; return 1; }
    sim clear "$fault"
    kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=30s >/dev/null
  done
}

@test "PVC not bound is reported with the event text" {
  sim fault provisioner-down
  create_credentials postgres
  helm upgrade --install postgresql "$CHART" --version "$CHART_VERSION" -n postgres -f "$SIM_VALUES" >/dev/null 2>&1
  run --separate-stderr verify
  assert_failure 1
  assert_line --partial "problem [pvc-pending]: volume claim data-postgresql-0 is Pending: Waiting for a volume to be created"
}

@test "password mismatch (28P01) is caught though the pod is Ready, with the recovery" {
  deploy
  printf "alter role learnflow password 'changed-behind-our-back';\n" |
    kubectl exec -i -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -U postgres -q'
  run --separate-stderr verify
  assert_failure 1
  assert_line --partial 'problem [password-mismatch]: '
  assert_line --partial 'README: "Password lost"'
}

@test "connections exhausted: refused connections diagnosed through a superuser slot" {
  deploy
  sim fault max-connections 5
  kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=30s >/dev/null
  pod_psql -c 'select pg_sleep(25)' & pod_psql -c 'select pg_sleep(25)' &
  sleep 2
  run --separate-stderr verify --json
  assert_failure 1
  [ "$(problem_codes)" = connections-exhausted ]
  [[ "$(jq -r '.problems[0].message' <<<"$output")" == *"2 client connections of max_connections 5 (3 reserved for superusers)"* ]]
  kill %1 %2 2>/dev/null || true
}

@test "volume nearly full: a problem at 95 % and more" {
  deploy
  sim fault disk-full 97
  run --separate-stderr verify --json
  assert_failure 1
  [ "$(problem_codes)" = volume-full ]
  [ "$(jq '.details.volume.percent >= 95' <<<"$output")" = true ]
}

@test "pending migrations are a warning, not unhealthy" {
  deploy
  mkdir -p "$BATS_TEST_TMPDIR/migrations"
  touch "$BATS_TEST_TMPDIR/migrations/20260101000000_users.sql" "$BATS_TEST_TMPDIR/migrations/20260102000000_exercises.sql"
  pod_psql -c 'create table schema_migrations (version varchar primary key); insert into schema_migrations values ($$20260101000000$$)'
  run --separate-stderr verify --migrations-dir "$BATS_TEST_TMPDIR/migrations"
  assert_success
  assert_line --index 0 --partial 'migrations 1 applied, 1 pending'
  assert_line --index 1 "warning [migrations-pending]: 1 migration(s) not applied: 20260102000000 (fix: PG_MIGRATIONS_DIR=$BATS_TEST_TMPDIR/migrations npm run -s db:migrate)"
}

@test "--wait: unhealthy at first, healthy once the fault clears" {
  deploy
  sim fault not-ready
  ( sleep 4; "$ROOT/tests/sim/sim" clear "$CLUSTER" not-ready ) &
  run --separate-stderr verify --wait 40s
  assert_success
  assert_line --index 0 --partial 'healthy: postgresql in postgres'
  [[ "$stderr" == *"unhealthy: "*"checking again"* ]]
}

@test "--wait that runs out reports the last state and its exit code" {
  deploy
  sim fault oom
  run --separate-stderr verify --wait 3s
  assert_failure 1
  assert_line --partial 'problem [oom-killed]'
}

@test "a failed release and a cut exec stream are problems, never healthy" {
  deploy
  sim fault release-failed
  run --separate-stderr verify --json
  assert_failure 1
  [ "$(problem_codes)" = release-failed ]
  sim clear release-failed
  sim fault exec-cut 40
  run --separate-stderr verify --json
  assert_failure 1
  [ "$(problem_codes)" = probe-incomplete ]
}

@test "--debug: config sources and every tool call on stderr; stdout unchanged" {
  PG_NAMESPACE=postgres run --separate-stderr verify --debug
  assert_failure 4
  # The namespace came from the environment, so the printed fix carries it (it works as printed in a new shell).
  assert_output 'not deployed: namespace postgres does not exist (fix: PG_NAMESPACE=postgres npm run -s db:deploy)'
  [[ "$stderr" == *'config: --namespace = "postgres" (from env)'* ]]
  [[ "$stderr" == *'$ helm status postgresql --namespace postgres -o json'* ]]
}

# minikube's hostPath and kind's local-path provisioners hand out a directory on the node: df in the pod
# shows the node's disk, and the claim's size is not enforced.
@test "a volume without a quota: the claim, the database and the node disk, never volume-full from a busy node" {
  stop_cluster
  NODE_DISK="$BATS_TEST_TMPDIR/node"
  mkdir "$NODE_DISK" && mount -t tmpfs -o size=400M node-disk "$NODE_DISK"
  CLUSTER="$NODE_DISK/cluster"
  eval "$("$ROOT/tests/sim/sim" start "$CLUSTER")"
  printf '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"local-path"},"provisioner":"rancher.io/local-path"}' |
    kubectl create -f - >/dev/null
  deploy --storage-class local-path
  avail=$(df -B1 --output=avail "$NODE_DISK" | tail -1)
  fallocate -l $((avail - 12 * 1048576)) "$NODE_DISK/filler"
  run --separate-stderr verify --json
  assert_success
  [ "$(jq -r .status <<<"$output")" = healthy ]
  [ "$(jq -r '[.problems[].code] | join(",")' <<<"$output")" = '' ]
  [ "$(jq -r '[.warnings[].code] | join(",")' <<<"$output")" = 'node-disk-high,migrations-pending' ]
  [ "$(jq -r '.details.volume | "\(.enforced) \(.claimBytes)"' <<<"$output")" = 'false 8589934592' ]
  [[ "$(jq -r '.warnings[0].message' <<<"$output")" == *"the node's disk under this volume is 9"*"% full ("*" MiB free); StorageClass local-path does not enforce the claim's 8Gi"* ]]
  run --separate-stderr verify
  assert_line --index 0 --regexp '^healthy: postgresql in postgres \(.*volume unenforced \(claim 8 GiB, node disk 9[0-9.]+%\)'
}

# The chart's secret volume has no items: a key the Secret lacks is a missing file, and the image's
# postgresql-env.sh skips it, then postgresql_validate refuses the empty password (exit 1).
@test "a credentials Secret without the password key: a crash loop named for the missing key" {
  deploy
  admin=$(kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.postgres-password}')
  kubectl delete secret postgresql-credentials -n postgres >/dev/null
  printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"postgresql-credentials","namespace":"postgres"},"data":{"postgres-password":"%s"}}' "$admin" |
    kubectl create -f - >/dev/null
  kubectl delete pod postgresql-0 -n postgres >/dev/null
  run kubectl get events -n postgres --field-selector involvedObject.name=postgresql-0 -o jsonpath='{.items[*].reason}'
  refute_output --partial FailedMount
  run --separate-stderr verify --wait 20s --json
  assert_failure 1
  [ "$(problem_codes)" = secret-key-missing ] || { echo "$output" | jq -c .problems; false; }
  [[ "$(jq -r '.problems[0].message' <<<"$output")" == *'Secret postgres/postgresql-credentials has no key "password", so the image finds no /opt/bitnami/postgresql/secrets/password'* ]]
  run kubectl logs postgresql-0 -n postgres --previous
  assert_output --partial "WARN  ==> Skipping export of 'POSTGRES_PASSWORD'. '/opt/bitnami/postgresql/secrets/password' is not readable."
  assert_output --partial 'ERROR ==> The POSTGRESQL_PASSWORD environment variable is empty or not set.'
}

@test "the credentials Secret deleted while the pod runs: secret-missing, and the printed fix puts it back" {
  deploy
  pw=$(kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}')
  kubectl delete secret postgresql-credentials -n postgres >/dev/null
  run --separate-stderr verify --json
  assert_failure 1
  [ "$(problem_codes)" = secret-missing ]
  fix=$(jq -r '.problems[0].fix' <<<"$output")
  [[ "$fix" == 'kubectl create secret generic postgresql-credentials -n postgres --from-file=password=<(kubectl exec'* ]]
  run --separate-stderr node --import tsx "$ROOT/scripts/deploy.ts"
  assert_failure 1
  [[ "$stderr" == *'[secret-missing]: Secret postgres/postgresql-credentials, which postgresql-0 mounts, is gone'* ]]
  bash -c "$fix" >/dev/null
  [ "$(kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}')" = "$pw" ]
  run --separate-stderr verify
  assert_success
}
