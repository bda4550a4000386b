#!/usr/bin/env bats
# A release's pod: a real PostgreSQL with the chart's environment, reached through kubectl exec.
load test_helper

setup_file() {
  # One installed cluster shared by the read-only tests below keeps the file fast.
  export CLUSTER="$BATS_FILE_TMPDIR/cluster"
  eval "$("$ROOT/tests/sim/sim" start "$CLUSTER")"
  install_release
}
teardown_file() { "$ROOT/tests/sim/sim" stop "$CLUSTER"; }
setup() { export PATH="$CLUSTER/bin:$PATH"; }

@test "the pod has the Bitnami chart's environment and password files" {
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- sh -c 'echo "$PGDATA|$POSTGRES_USER|$POSTGRES_DATABASE|$POSTGRES_PASSWORD_FILE|$POSTGRES_POSTGRES_PASSWORD_FILE|$POSTGRESQL_PORT_NUMBER|$POSTGRESQL_VOLUME_DIR"'
  assert_success
  assert_output "/bitnami/postgresql/data|learnflow|learnflow|/opt/bitnami/postgresql/secrets/password|/opt/bitnami/postgresql/secrets/postgres-password|5432|/bitnami/postgresql"
  run kubectl exec -n postgres postgresql-0 -- cat /opt/bitnami/postgresql/secrets/password
  assert_output "user-secret-pw"
}

@test "the local socket asks for a password, and the app user's password works" {
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- psql -U learnflow -d learnflow -w -c 'select 1'
  assert_failure 2
  [[ "$stderr" == *"fe_sendauth: no password supplied"* ]]
  [[ "$stderr" == *"command terminated with exit code 2" ]]
  run pod_psql -c 'select current_user, current_database()'
  assert_success
  assert_output "learnflow|learnflow"
}

@test "first boot grants as the image does: the app user has CREATEDB and owns the database and schema public" {
  run pod_psql -c "select rolcreatedb, pg_get_userbyid(d.datdba), pg_get_userbyid(n.nspowner)
                   from pg_roles, pg_database d, pg_namespace n
                   where rolname = current_user and d.datname = current_database() and n.nspname = 'public'"
  assert_success
  assert_output "t|learnflow|learnflow"
  run kubectl logs -n postgres postgresql-0
  assert_output --partial "Setting ownership for the 'public' schema database \"learnflow\" to \"learnflow\""
}

# bitnami/containers postgresql: only the entrypoint loads nss_wrapper (libos.sh); kubectl exec sessions run
# as uid 1001 with no passwd entry, so libpq must be told the user.
@test "an exec session's uid has no passwd entry: libpq without -U fails as in the real image" {
  uid=$(kubectl exec -n postgres postgresql-0 -- id -u)
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- id -un
  assert_failure 1
  [[ "$stderr" == *"id: cannot find name for user ID $uid"* ]]
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- psql -d postgres -c 'select 1'
  assert_failure 2
  [[ "$stderr" == *"local user with ID $uid does not exist"* ]]
  run pod_psql -c 'select current_user'
  assert_output learnflow
}

@test "the server sends clients no NOTICE: client_min_messages is the chart's error" {
  run pod_psql -c 'show client_min_messages'
  assert_output error
  run --separate-stderr pod_psql -c 'drop table if exists no_such_table'
  assert_success
  [ -z "$stderr" ]
}

# The image's libpq is built with /tmp as its socket directory; the host's psql (Debian) with
# /var/run/postgresql. Errors must name the image's.
@test "psql in the pod names the image's socket directory, /tmp" {
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- psql -U learnflow -p 5999 -c 'select 1'
  assert_failure 2
  [[ "$stderr" == *'connection to server on socket "/tmp/.s.PGSQL.5999" failed: No such file or directory'* ]]
}

@test "exec passes the command's exit code through, with kubectl's message" {
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- sh -c 'echo out; echo err >&2; exit 7'
  assert_failure 7
  assert_output out
  [ "$stderr" = $'err\ncommand terminated with exit code 7' ]
}

@test "exec of a command the image lacks fails as the container runtime says" {
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- no-such-tool
  assert_failure 1
  [[ "$stderr" == *'exec: "no-such-tool": executable file not found in $PATH: unknown' ]]
}

@test "exec without -i gives the command no stdin" {
  run bash -c "echo hello | kubectl exec -n postgres postgresql-0 -- cat"
  assert_success
  assert_output ""
  run bash -c "echo hello | kubectl exec -i -n postgres postgresql-0 -- cat"
  assert_output hello
}

@test "a 50 MB binary stream survives exec stdin and stdout byte for byte" {
  head -c 52428800 /dev/urandom >"$BATS_TEST_TMPDIR/in.bin"
  kubectl exec -i -n postgres postgresql-0 -- sh -c 'cat >/tmp/blob && cat /tmp/blob' <"$BATS_TEST_TMPDIR/in.bin" >"$BATS_TEST_TMPDIR/out.bin"
  cmp "$BATS_TEST_TMPDIR/in.bin" "$BATS_TEST_TMPDIR/out.bin"
  kubectl exec -n postgres postgresql-0 -- rm /tmp/blob
}

@test "killing kubectl exec -i leaves the process in the pod running, its stdin at EOF (kubernetes#89031)" {
  kubectl exec -i -n postgres postgresql-0 -- sh -c 'cat >/tmp/got; sleep 1; echo output nobody reads; echo ran-on >/tmp/after' < <(echo sent; sleep 30) &
  pid=$!
  sleep 1
  kill -TERM "$pid"
  sleep 2.5
  run kubectl exec -n postgres postgresql-0 -- cat /tmp/got /tmp/after
  assert_output $'sent\nran-on'
}

@test "the container's filesystem is read-only outside /tmp and the volumes" {
  run --separate-stderr kubectl exec -n postgres postgresql-0 -- touch /opt/bitnami/x
  assert_failure 1
  run kubectl exec -n postgres postgresql-0 -- sh -c 'touch /tmp/x && echo ok'
  assert_output ok
  run kubectl exec -n postgres postgresql-0 -- id -u
  refute_output 0
}

@test "the data volume is a filesystem of the requested size" {
  run kubectl exec -n postgres postgresql-0 -- df -P -B1 /bitnami/postgresql
  assert_success
  size=$(awk 'NR==2 {print $2}' <<<"$output")
  [ "$size" -eq $((256 * 1024 * 1024)) ]
}

@test "pod, PVC and release look as kubectl and helm show them" {
  run --separate-stderr kubectl get pod postgresql-0 -n postgres -o json
  assert_success
  [ "$(jq -r '.status.phase' <<<"$output")" = Running ]
  [ "$(jq -r '.status.containerStatuses[0].ready' <<<"$output")" = true ]
  [ "$(jq -r '.spec.containers[0].image' <<<"$output")" = docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4 ]
  run --separate-stderr kubectl get pvc data-postgresql-0 -n postgres -o jsonpath='{.status.phase} {.spec.resources.requests.storage}'
  assert_output "Bound 256Mi"
  run --separate-stderr helm list -n postgres -o json
  [ "$(jq -c '.[0] | {name, namespace, revision, status, chart, app_version}' <<<"$output")" = '{"name":"postgresql","namespace":"postgres","revision":"1","status":"deployed","chart":"postgresql-16.7.27","app_version":"17.6.0"}' ]
  run --separate-stderr helm status postgresql -n postgres -o json
  # helm status leaves the chart out of its JSON; the release's values are under config.
  [ "$(jq -c '{name, version, namespace, status: .info.status, chart: (.chart // "absent"), user: .config.auth.username}' <<<"$output")" = '{"name":"postgresql","version":1,"namespace":"postgres","status":"deployed","chart":"absent","user":"learnflow"}' ]
}

@test "kubectl logs shows the container's output, --tail limits it" {
  run --separate-stderr kubectl logs postgresql-0 -n postgres --tail 1
  assert_success
  assert_output --partial "database system is ready to accept connections"
  run --separate-stderr kubectl logs postgresql-0 -n postgres --previous
  assert_failure 1
  [ "$stderr" = 'Error from server (BadRequest): previous terminated container "postgresql" in pod "postgresql-0" not found' ]
}

@test "kubectl wait reports the Ready condition met" {
  run kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=10s
  assert_success
  assert_output "pod/postgresql-0 condition met"
}
