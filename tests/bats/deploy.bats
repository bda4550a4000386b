#!/usr/bin/env bats
# deploy.ts against the simulated cluster: fresh, idempotent, upgrades, preflight, diagnosis.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

deploy() { node --import tsx "$ROOT/scripts/deploy.ts" "$@"; }
mutating_calls() { jq -c 'select((.tool == "helm" and (.argv[0] == "upgrade" or .argv[0] == "uninstall" or .argv[0] == "install")) or (.tool == "kubectl" and (.argv[0] == "create" or .argv[0] == "delete" or .argv[0] == "apply")))' "$CLUSTER/calls.jsonl"; }
user_password() { kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}' | base64 -d; }

@test "fresh deploy: namespace, generated Secret, release, usable database, five lines" {
  run --separate-stderr deploy
  assert_success
  [ "${#lines[@]}" -le 5 ]
  assert_line --index 0 --regexp '^deployed postgresql in postgres: chart postgresql 16.7.27, PostgreSQL 17.6.0 \([0-9.]+s\)$'
  assert_line --index 1 'DATABASE_URL=postgresql://learnflow:****@postgresql.postgres.svc.cluster.local:5432/learnflow'
  assert_line --index 4 'ok: ready: SELECT 1 as learnflow succeeded'
  pw=$(user_password)
  [ "${#pw}" -ge 32 ]
  run pod_psql -c 'select current_user'
  assert_output learnflow
  run helm get values postgresql -n postgres -o json
  [ "$(jq -r .auth.existingSecret <<<"$output")" = postgresql-credentials ]
  [ "$(jq -r .image.repository <<<"$output")" = bitnamilegacy/postgresql ]
}

@test "no password in any argv, nor on stdout without --show-secrets; with it, the URL carries it" {
  run --separate-stderr deploy
  pw=$(user_password)
  refute_output --partial "$pw"
  [[ "$stderr" != *"$pw"* ]]
  run grep -c -- "$pw" "$CLUSTER/calls.jsonl"
  assert_output 0
  run --separate-stderr deploy --show-secrets
  assert_line --partial "postgresql://learnflow:$pw@"
  # Also on the run that generates the password.
  deploy --uninstall --delete-data --yes >/dev/null 2>&1
  run --separate-stderr deploy --show-secrets
  pw=$(user_password)
  assert_line --partial "postgresql://learnflow:$pw@"
  [[ "$stderr" != *"$pw"* ]]
}

@test "a second run is a no-op: up to date, and no mutating call" {
  deploy >/dev/null 2>&1
  before=$(mutating_calls | wc -l)
  run --separate-stderr deploy
  assert_success
  assert_line --regexp '^ok: already deployed, up to date'
  # Every successful deploy says how to connect, this one too.
  assert_line --index 0 'DATABASE_URL=postgresql://learnflow:****@postgresql.postgres.svc.cluster.local:5432/learnflow'
  assert_line --index 1 'local access: kubectl port-forward -n postgres svc/postgresql 5432:5432'
  [ "$(mutating_calls | wc -l)" = "$before" ]
}

@test "a changed configuration is offered, not applied; --upgrade applies it and keeps the data" {
  deploy >/dev/null 2>&1
  pod_psql -c 'create table kept (v int); insert into kept values (7)'
  before=$(mutating_calls | wc -l)
  run --separate-stderr deploy --overlay minikube
  assert_success
  assert_line --partial 'would change: primary.resources.limits.memory: "1Gi" → "768Mi"'
  assert_line --partial '(apply: npm run -s db:deploy -- --overlay minikube --upgrade)'
  [ "$(mutating_calls | wc -l)" = "$before" ]
  run --separate-stderr deploy --overlay minikube --upgrade --json
  assert_success
  [ "$(jq -r .status <<<"$output")" = upgraded ]
  run kubectl get pod postgresql-0 -n postgres -o jsonpath='{.spec.containers[0].resources.limits.memory}'
  assert_output 768Mi
  run pod_psql -c 'select v from kept'
  assert_output 7
}

@test "two deploys at once: one installs, the other is told a deploy is running, not to roll back" {
  # The first one's pod is slow to become ready, so its helm operation is still running.
  sim fault not-ready
  deploy --timeout 60s >"$BATS_TEST_TMPDIR/first.out" 2>&1 &
  first=$!
  for _ in $(seq 100); do
    [ "$(helm list -n postgres -a -o json 2>/dev/null | jq -r '.[0].status // empty')" = pending-install ] && break
    sleep 0.1
  done
  run --separate-stderr deploy
  sim clear not-ready
  wait "$first"
  assert_failure 3
  [[ "$stderr" == *'another deploy is running'* ]]
  [[ "$stderr" == *'(fix: wait for it to finish, then npm run -s db:deploy'* ]]
  [ "$(helm list -n postgres -o json | jq -r '.[0].status')" = deployed ]
}

@test "data and passwords survive pod deletion and a re-deploy after uninstall" {
  deploy >/dev/null 2>&1
  pod_psql -c 'create table kept (v text); insert into kept values ($$here$$)'
  kubectl delete pod postgresql-0 -n postgres >/dev/null
  run --separate-stderr deploy
  assert_success
  run --separate-stderr deploy --uninstall
  assert_success
  assert_line --partial 'kept (the data and its passwords): pvc/data-postgresql-0, secret/postgresql-credentials'
  run --separate-stderr deploy
  assert_success
  assert_line --index 0 --regexp '^deployed '
  run pod_psql -c 'select v from kept'
  assert_output here
}

@test "--json: one object with the connection, timings and no secret" {
  run --separate-stderr deploy --json
  assert_success
  [ "${#lines[@]}" -eq 1 ]
  [ "$(jq -c '{ok, status, release, namespace, chart: .chart.version, db: .connection.database, secret: .connection.secret}' <<<"$output")" = '{"ok":true,"status":"deployed","release":"postgresql","namespace":"postgres","chart":"16.7.27","db":"learnflow","secret":"postgresql-credentials"}' ]
  [ "$(jq '.timings | keys | length' <<<"$output")" = 4 ]
}

@test "preflight: unreachable cluster, one line with the fix, exit 3, nothing changed" {
  sim fault unreachable
  run --separate-stderr deploy
  assert_failure 3
  [ "${#stderr_lines[@]}" -le 2 ]
  [[ "${stderr_lines[-1]}" == 'error: cluster unreachable (context "minikube"): The connection to the server 192.168.49.2:8443 was refused'*'(fix: start the cluster, e.g. "minikube start", or pick one with --context)' ]]
  [ -z "$(mutating_calls)" ]
}

@test "preflight: no default StorageClass, and a STORAGE_CLASS that does not exist" {
  sim fault no-default-storageclass
  run --separate-stderr deploy
  assert_failure 3
  [[ "$stderr" == *'no default StorageClass in context "minikube"'*'minikube addons enable default-storageclass storage-provisioner, or set STORAGE_CLASS (one of: standard)'* ]]
  STORAGE_CLASS=fast run --separate-stderr deploy
  assert_failure 2
  [[ "$stderr" == *'StorageClass "fast" does not exist'* ]]
  STORAGE_CLASS=standard run --separate-stderr deploy
  assert_success
}

@test "preflight: bad names and a missing kubectl are refused before any call" {
  run --separate-stderr deploy --release Bad_Name
  assert_failure 2
  [ ! -s "$CLUSTER/calls.jsonl" ]
  # The API server takes only DNS-1123 subdomains as Secret names: refused before the namespace is made.
  for bad in Bad_Secret 'a b' -lead "$(printf 'x%.0s' {1..254})"; do
    run --separate-stderr deploy "--secret-name=$bad"
    assert_failure 2
    [[ "$stderr" == *"error: secret name \"$bad\" is not a valid name (lower-case letters, digits, \"-\" and \".\", at most 253) (fix: pass e.g. --secret-name postgresql-credentials)"* ]]
  done
  [ ! -s "$CLUSTER/calls.jsonl" ]
  KUBECTL=/nonexistent/kubectl run --separate-stderr deploy
  assert_failure 3
  [[ "$stderr" == *'kubectl not found at /nonexistent/kubectl (fix: install kubectl or set KUBECTL=/path/to/kubectl)'* ]]
  run --separate-stderr deploy --delete-data
  assert_failure 2
}

@test "PVC Pending: diagnosed with the provisioner's event, exit 1" {
  sim fault provisioner-down
  run --separate-stderr deploy --timeout 6s
  assert_failure 1
  [[ "$stderr" == *"[pvc-pending]: volume claim data-postgresql-0 is Pending: Waiting for a volume to be created either by the external provisioner 'k8s.io/minikube-hostpath'"* ]]
}

@test "image pull failure: diagnosed with the image name" {
  sim fault image-pull
  run --separate-stderr deploy --timeout 6s
  assert_failure 1
  [[ "$stderr" == *"[image-pull]: cannot pull image docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4: "*"manifest unknown"* ]]
}

# Docker Hub limits anonymous pulls (429 toomanyrequests): its own problem, and a mirror gets past it.
@test "a rate-limited pull is named as such, with the ways past it; the mirror overlay works" {
  sim fault pull-rate-limit
  run --separate-stderr deploy --timeout 6s
  assert_failure 1
  [[ "$stderr" == *"[image-pull-rate-limited]: the registry refuses to serve docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4 for now: 429 toomanyrequests (the anonymous pull limit)"* ]]
  [[ "$stderr" == *"(fix: wait for the limit to reset and deploy again, or pull with credentials or through a mirror: helm-values/mirror.example.yaml)"* ]]
  # The example, filled in, as a user would: a project copy, so the checkout's helm-values stays as it is.
  project="$BATS_TEST_TMPDIR/project"
  mkdir "$project" && cp -r "$ROOT/scripts" "$ROOT/helm-values" "$ROOT/package.json" "$project/"
  ln -s "$ROOT/node_modules" "$project/node_modules"
  sed -e 's/^# *registry: REGISTRY$/  registry: registry.example.com/' -e 's/^# *image:$/image:/'     "$project/helm-values/mirror.example.yaml" >"$project/helm-values/mirror.yaml"
  run --separate-stderr node --import tsx "$project/scripts/deploy.ts" --overlay mirror --timeout 60s
  assert_success
  [ "$(kubectl get pod postgresql-0 -n postgres -o jsonpath='{.spec.containers[0].image}')" = registry.example.com/bitnamilegacy/postgresql:17.6.0-debian-12-r4 ]
}

@test "crash loop: diagnosed with the last log lines" {
  sim fault crash-loop
  run --separate-stderr deploy --timeout 6s
  assert_failure 1
  [[ "$stderr" == *"[crash-loop]: postgresql keeps crashing"*"database files are incompatible with server"* ]]
}

@test "OOMKilled: diagnosed with the memory limit" {
  sim fault oom
  run --separate-stderr deploy --timeout 6s
  assert_failure 1
  [[ "$stderr" == *"[oom-killed]: postgresql was OOMKilled (exit 137, memory limit 1Gi"* ]]
}

@test "a failed release is upgraded; a pending-upgrade one is explained and left alone" {
  deploy >/dev/null 2>&1
  sim fault release-failed
  run --separate-stderr deploy --json
  assert_success
  [ "$(jq -r .status <<<"$output")" = upgraded ]
  sim fault release-pending-upgrade
  before=$(mutating_calls | wc -l)
  run --separate-stderr deploy
  assert_failure 3
  [[ "$stderr" == *"release postgresql is pending-upgrade"*"(fix: helm rollback postgresql -n postgres, then deploy again)"* ]]
  [ "$(mutating_calls | wc -l)" = "$before" ]
  # The fix as printed: helm rollback takes a pending release back to the revision before it.
  run helm rollback postgresql -n postgres
  assert_success
  assert_output 'Rollback was a success! Happy Helming!'
  run --separate-stderr deploy
  assert_success
  assert_line --index -1 --partial 'already deployed, up to date and usable'
}

@test "a data volume left without its Secret is refused with the way out" {
  deploy >/dev/null 2>&1
  deploy --uninstall >/dev/null 2>&1
  kubectl delete secret postgresql-credentials -n postgres >/dev/null
  run --separate-stderr deploy
  assert_failure 3
  [[ "$stderr" == *"volume postgres/data-postgresql-0 holds data from an earlier install but Secret postgresql-credentials is gone"* ]]
  [[ "$stderr" == *"kubectl delete pvc data-postgresql-0 -n postgres"* ]]
  run kubectl get secret postgresql-credentials -n postgres
  assert_failure
}

@test "--dry-run prints the plan with the helm argv and changes nothing" {
  run --separate-stderr deploy --dry-run
  assert_success
  assert_line --index 0 'plan: install'
  assert_line --regexp '^helm upgrade --install postgresql oci://registry-1.docker.io/bitnamicharts/postgresql --version 16.7.27 --namespace postgres -f .*/helm-values/base.yaml -f <runtime-values.json> --wait=watcher --rollback-on-failure --timeout 5m0s$'
  [ -z "$(mutating_calls)" ]
}

@test "--uninstall --dry-run (flag or PG_DRY_RUN) changes nothing and says what it would remove" {
  deploy >/dev/null 2>&1
  state() { helm list -n postgres -q; kubectl get pvc,secret -n postgres -o name; }
  before=$(state)
  run --separate-stderr deploy --uninstall --dry-run
  assert_success
  assert_line 'would keep (the data and its passwords): pvc/data-postgresql-0, secret/postgresql-credentials'
  assert_line --index -1 'ok: dry run: would uninstall release postgresql from postgres; nothing changed'
  PG_DRY_RUN=true run --separate-stderr deploy --uninstall --delete-data
  assert_success
  assert_line 'would delete: pvc/data-postgresql-0, secret/postgresql-credentials'
  run --separate-stderr deploy --uninstall --delete-data --yes --dry-run --json
  assert_success
  [ "$(jq -r '.status + " " + (.wouldDelete | join(","))' <<<"$output")" = 'dry-run pvc/data-postgresql-0,secret/postgresql-credentials' ]
  [ "$(state)" = "$before" ]
  [ -z "$(mutating_calls | jq -c 'select(.argv[0] == "uninstall" or .argv[0] == "delete")')" ]
}

@test "--uninstall --delete-data needs --yes, then removes the volume and the Secret" {
  deploy >/dev/null 2>&1
  run --separate-stderr deploy --uninstall --delete-data </dev/null
  assert_failure 2
  run helm status postgresql -n postgres -o json
  assert_success
  run --separate-stderr deploy --uninstall --delete-data --yes
  assert_success
  assert_line --partial 'deleted: pvc/data-postgresql-0, secret/postgresql-credentials'
  run kubectl get pvc -n postgres -o name
  assert_output ''
}

# kubernetes.io/pvc-protection: a claim a pod still uses stays Terminating, and kubectl delete waits for the pod.
# A pod left without its StatefulSet (an interrupted volume change) is not the release's: uninstall keeps it.
@test "--uninstall --delete-data with a pod still on the volume does not hang: it names the pod and the fix" {
  deploy >/dev/null 2>&1
  kubectl delete sts postgresql -n postgres --cascade=orphan >/dev/null
  run --separate-stderr timeout 30 node --import tsx "$ROOT/scripts/deploy.ts" --uninstall --delete-data --yes --timeout 3s
  assert_failure 3
  [ "${stderr##*$'\n'}" = "error: volume postgres/data-postgresql-0 is being deleted but pod postgres/postgresql-0 still uses it (a pod left without its StatefulSet); it goes once the pod is gone (fix: kubectl delete pod/postgresql-0 -n postgres && npm run -s db:deploy -- --uninstall --delete-data --yes)" ]
  fix=${stderr#*(fix: }
  run kubectl get pvc data-postgresql-0 -n postgres -o jsonpath='{.metadata.deletionTimestamp}'
  [ -n "$output" ]
  # The fix as printed, then nothing is left.
  run bash -c "cd '$ROOT' && ${fix%)}"
  assert_success
  run kubectl get pvc,secret -n postgres -o name
  assert_output ''
}

@test "Helm 3: the same deploy works with Helm 3's flags" {
  stop_cluster
  start_cluster --helm 3
  run --separate-stderr deploy
  assert_success
  run jq -c 'select(.tool == "helm" and .argv[0] == "upgrade") | .argv | map(select(. == "--wait" or . == "--atomic"))' "$CLUSTER/calls.jsonl"
  assert_output '["--wait","--atomic"]'
}

@test "password lost with the pod still running: reset inside, new Secret from stdin-fed file, deploy again" {
  deploy >/dev/null 2>&1
  pod_psql -c 'create table kept (v int); insert into kept values (1)'
  kubectl delete secret postgresql-credentials -n postgres >/dev/null
  # The mounted copy still logs the superuser in; new passwords go in over stdin, never argv.
  printf "alter role learnflow password 'new-app-password-123';\nalter role postgres password 'new-admin-password-123';\n" |
    kubectl exec -i -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -U postgres -q -v ON_ERROR_STOP=1'
  kubectl create secret generic postgresql-credentials -n postgres \
    --from-env-file=<(printf 'password=%s\npostgres-password=%s\n' new-app-password-123 new-admin-password-123) >/dev/null
  kubectl delete pod postgresql-0 -n postgres >/dev/null
  run --separate-stderr deploy
  assert_success
  run pod_psql -c 'select v from kept'
  assert_output 1
  run grep -c new-app-password-123 "$CLUSTER/calls.jsonl"
  assert_output 0
}

@test "make db-deploy passes ARGS through to the script" {
  run --separate-stderr make -s -C "$ROOT" db-deploy ARGS=--dry-run
  assert_success
  assert_line 'ok: dry run: nothing changed'
}

@test "an up-to-date release that no longer logs in is not reported as fine" {
  deploy >/dev/null 2>&1
  printf "alter role learnflow password 'someone-else-changed-it';\n" |
    kubectl exec -i -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -U postgres -q'
  run --separate-stderr deploy
  assert_failure 1
  [[ "$stderr" == *"[password-mismatch]"*"SQLSTATE 28P01"* ]]
}

# --timeout is the whole run's limit: preflight, helm's wait and the ready check share one deadline.
@test "--timeout bounds the whole deploy: helm's wait and the ready check share the limit" {
  took_ms() { local t0; t0=$(date +%s%N); run --separate-stderr "$@"; echo $((($(date +%s%N) - t0) / 1000000)); }
  # node's start-up comes before the script's clock starts: measured here, under the same load.
  startup_ms=$(took_ms deploy --help)
  sim fault not-ready
  ms=$(took_ms deploy --timeout 6s)
  run --separate-stderr deploy --timeout 6s
  assert_failure 1
  [[ "$stderr" == *'[pod-not-ready]'* ]]
  echo "install: ${ms} ms, start-up ${startup_ms} ms"
  [ $((ms - startup_ms)) -le 7500 ]
  # Deployed and up to date, but not answering: the ready check gets what is left, not --ready-timeout.
  sim clear
  deploy >/dev/null 2>&1
  sim fault not-ready
  ms=$(took_ms deploy --timeout 5s --ready-timeout 30s)
  echo "up to date: ${ms} ms"
  [ $((ms - startup_ms)) -le 6500 ]
  # An upgrade that times out is rolled back by helm with a wait as long again: it gets half the limit.
  ms=$(took_ms deploy --database other --upgrade --timeout 6s)
  run --separate-stderr deploy --database other --upgrade --timeout 6s
  assert_failure 1
  [[ "$stderr" =~ waiting\ up\ to\ [0-9]s,\ as\ long\ again\ for\ a\ rollback ]]
  echo "upgrade: ${ms} ms"
  [ $((ms - startup_ms)) -le 7500 ]
  [ "$(helm history postgresql -n postgres -o json | jq -r '.[-1].description')" = 'Release "postgresql" failed: context deadline exceeded' ]
}
