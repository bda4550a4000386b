#!/usr/bin/env bats
# url.ts: the app's DATABASE_URL, read-only, its password checked to open the database.
load test_helper

setup() { start_cluster; }
teardown() {
  [ -z "${PF:-}" ] || kill "$PF" 2>/dev/null || true
  stop_cluster
}

deploy() { node --import tsx "$ROOT/scripts/deploy.ts" "$@"; }
url() { node --import tsx "$ROOT/scripts/url.ts" "$@"; }
mutating_calls() { jq -c 'select((.tool == "helm" and (.argv[0] | IN("upgrade", "install", "uninstall", "rollback"))) or (.tool == "kubectl" and (.argv[0] | IN("create", "delete", "patch", "apply", "scale"))))' "$CLUSTER/calls.jsonl"; }
user_password() { kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}' | base64 -d; }
IN_CLUSTER='postgresql.postgres.svc.cluster.local:5432/learnflow'
# Replaces the credentials Secret with one holding KEY=VALUE pairs (stringData), sent on stdin.
replace_secret() {
  kubectl delete secret postgresql-credentials -n postgres >/dev/null
  jq -n '{apiVersion: "v1", kind: "Secret", metadata: {name: "postgresql-credentials", namespace: "postgres"},
    stringData: ($ARGS.positional | map(split("=") | {key: .[0], value: (.[1:] | join("="))}) | from_entries)}' \
    --args "$@" | kubectl create -f - >/dev/null
}

@test "db:url prints the masked in-cluster URL, checks its password, and changes nothing" {
  deploy >/dev/null 2>&1
  : >"$CLUSTER/calls.jsonl"
  run --separate-stderr url
  assert_success
  assert_output "postgresql://learnflow:****@$IN_CLUSTER
ok: the password in Secret postgres/postgresql-credentials opens learnflow as learnflow"
  [ -z "$(mutating_calls)" ]
  # The password never reaches an argv: it went to the pod on stdin.
  ! grep -qF -- "$(user_password)" "$CLUSTER/calls.jsonl"
}

@test "--show-secrets unmasks; --env prints a line a .env file takes, the rest as comments; --json has the parts" {
  deploy >/dev/null 2>&1
  pw=$(user_password)
  run --separate-stderr url --show-secrets
  assert_line --index 0 "postgresql://learnflow:$pw@$IN_CLUSTER"
  run --separate-stderr url --env
  assert_success
  assert_output "DATABASE_URL=postgresql://learnflow:****@$IN_CLUSTER
# ok: the password in Secret postgres/postgresql-credentials opens learnflow as learnflow"
  PG_URL_ENV=true run --separate-stderr url --show-secrets
  assert_line --index 0 "DATABASE_URL=postgresql://learnflow:$pw@$IN_CLUSTER"
  run --separate-stderr url --json
  assert_success
  [ "$(jq -r '[.ok, .status, .connection.url, .connection.host, .connection.port, .connection.user] | join(" ")' <<<"$output")" = "true ok postgresql://learnflow:****@$IN_CLUSTER postgresql.postgres.svc.cluster.local 5432 learnflow" ]
  [[ "$output" != *"$pw"* ]]
}

@test "--local gives the URL through a port-forward, and that URL works through the printed port-forward" {
  deploy >/dev/null 2>&1
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  run --separate-stderr url --local --port "$port" --show-secrets
  assert_success
  assert_line --index 0 "postgresql://learnflow:$(user_password)@127.0.0.1:$port/learnflow"
  assert_line --index 1 "needs: kubectl port-forward -n postgres svc/postgresql $port:5432 (running), or: npm run -s db:port-forward -- --background"
  db_url=${lines[0]}
  forward=${lines[1]#needs: }
  ${forward%% (running)*} >/dev/null 2>&1 3>&- &
  PF=$!
  for _ in $(seq 50); do psql "$db_url" -Atc 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
  run psql "$db_url" -Atc 'select current_user'
  assert_success
  assert_output learnflow
}

@test "a Secret whose password the data does not know: password-mismatch, exit 1, with the fix" {
  deploy >/dev/null 2>&1
  replace_secret postgres-password=x password=not-the-one
  run --separate-stderr url
  assert_failure 1
  assert_line --index 1 --partial "problem [password-mismatch]: the app user's password in Secret postgres/postgresql-credentials is rejected (SQLSTATE 28P01)"
  assert_line --index 1 --partial '(fix: restore the Secret postgres/postgresql-credentials the data was created with, or reset the password (README: "Password lost"))'
  run --separate-stderr url --json
  [ "$(jq -r '[.ok, .status, .exitCode] | join(" ")' <<<"$output")" = "false password-mismatch 1" ]
}

@test "nothing deployed: the error names the Secret and the deploy command; bad names are refused first" {
  run --separate-stderr url
  assert_failure 3
  [ "$stderr" = "error: no Secret postgres/postgresql-credentials with the app password: is PostgreSQL deployed? (fix: npm run -s db:deploy)" ]
  run --separate-stderr url --release Bad_Name
  assert_failure 2
  [[ "$stderr" == "error: "*"Bad_Name"* ]]
  run --separate-stderr url --port 0 --local
  assert_failure 2
  [ "$stderr" = "error: --port 0 is not a TCP port (1-65535) (fix: npm run -s db:url -- --local --port 15432)" ]
  run --separate-stderr url --port 70000 --local
  assert_failure 2
  [ -z "$(mutating_calls)" ]
}

@test "a Secret without the password key is named so; a password with URL characters is encoded and masked whole" {
  deploy >/dev/null 2>&1
  replace_secret postgres-password=x
  run --separate-stderr url
  assert_failure 3
  [ "$stderr" = 'error: Secret postgres/postgresql-credentials has no key "password" (the app password) (fix: put the key back with the password the data was created with (kubectl edit secret postgresql-credentials -n postgres))' ]
  # The role's password changed in the database and in the Secret to one full of URL characters.
  pw='p@ss/w:rd#1?x'
  kubectl exec -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -U postgres -d postgres -qc "alter role learnflow password '"'"'p@ss/w:rd#1?x'"'"'"'
  replace_secret postgres-password=x "password=$pw"
  run --separate-stderr url
  assert_success
  assert_line --index 0 "postgresql://learnflow:****@$IN_CLUSTER"
  run --separate-stderr url --show-secrets
  assert_line --index 0 "postgresql://learnflow:p%40ss%2Fw%3Ard%231%3Fx@$IN_CLUSTER"
}

@test "with --release ldb -n other the URL names that release's service" {
  deploy --release ldb -n other >/dev/null 2>&1
  run --separate-stderr url --release ldb -n other
  assert_success
  assert_line --index 0 'postgresql://learnflow:****@ldb-postgresql.other.svc.cluster.local:5432/learnflow'
  assert_line --index 1 'ok: the password in Secret other/ldb-credentials opens learnflow as learnflow'
}
