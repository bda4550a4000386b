#!/usr/bin/env bats
# port-forward.ts: the database on a port of this machine, foreground or --background, found again,
# stopped, and a dead forwarder noticed. Run from a scratch directory: the record lives in ./.pgk8s/.
load test_helper

setup() {
  start_cluster
  cd "$BATS_TEST_TMPDIR"
}
teardown() {
  [ -z "${PID:-}" ] || kill -9 "$PID" 2>/dev/null || true
  for f in .pgk8s/port-forward/*.json; do [ -f "$f" ] && kill -9 "$(jq -r .pid "$f")" 2>/dev/null; done
  stop_cluster
}

# tsx by path: the scratch directory has no node_modules to resolve it from.
TSX="$ROOT/node_modules/tsx/dist/loader.mjs"
deploy() { node --import "$TSX" "$ROOT/scripts/deploy.ts" "$@"; }
forward() { node --import "$TSX" "$ROOT/scripts/port-forward.ts" "$@"; }
url() { node --import "$TSX" "$ROOT/scripts/url.ts" "$@"; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
user_password() { kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}' | base64 -d; }
through() { PGPASSWORD=$(user_password) psql -h 127.0.0.1 -p "$1" -U learnflow -d learnflow -w -Atc "${2:-select 1}"; }
RECORD=.pgk8s/port-forward/current.postgres.postgresql.json
forwards() { jq -c 'select(.tool == "kubectl" and .argv[0] == "port-forward")' "$CLUSTER/calls.jsonl" | wc -l; }

@test "--background: forwards, records, is found again instead of started twice, and --stop ends it" {
  deploy >/dev/null 2>&1
  port=$(free_port)
  run --separate-stderr forward --background --port "$port"
  assert_success
  assert_line --index 0 "DATABASE_URL=postgresql://learnflow:****@127.0.0.1:$port/learnflow"
  assert_line --index 1 --regexp "^ok: forwarding 127\.0\.0\.1:$port -> svc/postgresql:5432 in postgres \(pid [0-9]+\) in the background; stop: npm run -s db:port-forward -- --stop$"
  pid=$(jq -r .pid "$RECORD")
  [ "$(stat -c %a .pgk8s/port-forward)" = 700 ]
  run through "$port" 'select current_user'
  assert_output learnflow
  run --separate-stderr forward --background
  assert_success
  assert_line --index 1 "ok: already forwarding 127.0.0.1:$port -> svc/postgresql:5432 (pid $pid); stop: npm run -s db:port-forward -- --stop"
  [ "$(forwards)" = 1 ]
  # db:url --local goes through it without being told the port.
  run --separate-stderr url --local
  assert_success
  assert_line --index 0 "postgresql://learnflow:****@127.0.0.1:$port/learnflow"
  assert_line --index 1 "through: the running db:port-forward on 127.0.0.1:$port"
  run --separate-stderr forward --stop
  assert_success
  assert_output "ok: stopped the port-forward on 127.0.0.1:$port (pid $pid)"
  ! kill -0 "$pid" 2>/dev/null
  [ ! -e "$RECORD" ]
  run ! through "$port"
  run --separate-stderr forward --stop
  assert_output 'ok: no port-forward recorded for postgresql in postgres; nothing to do'
}

@test "a port in use: the next free one, said so; the URL names the port it really got" {
  deploy >/dev/null 2>&1
  # The holder picks its own port (no gap between choosing a free port and taking it).
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>require("fs").writeFileSync("held",String(s.address().port)))' 3>&- &
  PID=$!
  for _ in $(seq 100); do [ -s held ] && break; sleep 0.05; done
  port=$(cat held)
  run --separate-stderr forward --background --port "$port"
  assert_success
  [[ "${lines[0]}" =~ ^port\ $port\ is\ in\ use\ on\ 127\.0\.0\.1\;\ using\ ([0-9]+)$ ]]
  got=${BASH_REMATCH[1]}
  [ "$got" -gt "$port" ]
  assert_line --index 1 "DATABASE_URL=postgresql://learnflow:****@127.0.0.1:$got/learnflow"
  run through "$got"
  assert_output 1
}

@test "in the foreground it runs until Ctrl-C, then the forward and its record are gone (exit 130)" {
  deploy >/dev/null 2>&1
  port=$(free_port)
  # node itself in the background, not a function's subshell: the INT must reach the script.
  node --import "$TSX" "$ROOT/scripts/port-forward.ts" --port "$port" >out 2>err 3>&- &
  PID=$!
  for _ in $(seq 100); do grep -q 'Ctrl-C to stop' out && break; sleep 0.05; done
  run cat out
  assert_line --index 0 "DATABASE_URL=postgresql://learnflow:****@127.0.0.1:$port/learnflow"
  assert_line --index 1 --regexp "^forwarding 127\.0\.0\.1:$port -> svc/postgresql:5432 in postgres \(pid [0-9]+\); Ctrl-C to stop$"
  kubectl_pid=$(jq -r .pid "$RECORD")
  run through "$port"
  assert_output 1
  kill -INT "$PID"
  status=0
  wait "$PID" || status=$?
  PID=
  [ "$status" = 130 ]
  for _ in $(seq 50); do kill -0 "$kubectl_pid" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$kubectl_pid" 2>/dev/null
  [ ! -e "$RECORD" ]
}

@test "a forwarder that died is noticed and replaced; one that loses its pod ends the foreground run" {
  deploy >/dev/null 2>&1
  port=$(free_port)
  forward --background --port "$port" >/dev/null 2>&1
  kill -9 "$(jq -r .pid "$RECORD")"
  sleep 0.2
  run --separate-stderr forward --background --port "$port"
  assert_success
  assert_line --index 0 --regexp "^the earlier port-forward \(pid [0-9]+, port $port\) had ended; starting anew$"
  run through "$port"
  assert_output 1
  forward --stop >/dev/null
  forward --port "$port" >out 2>err 3>&- &
  PID=$!
  for _ in $(seq 100); do grep -q 'Ctrl-C to stop' out && break; sleep 0.05; done
  kubectl delete pod postgresql-0 -n postgres --wait=false >/dev/null
  status=0
  wait "$PID" || status=$?
  PID=
  [ "$status" = 3 ]
  run cat err
  assert_line 'error: the port-forward ended by itself: error: lost connection to pod (fix: npm run -s db:port-forward)'
  [ ! -e "$RECORD" ]
}

@test "nothing deployed, the local target and a bad port are refused with their fixes, and nothing starts" {
  run --separate-stderr forward --background
  assert_failure 3
  [ "$stderr" = 'error: service postgres/postgresql not found (is PostgreSQL deployed?) (fix: npm run -s db:deploy)' ]
  run --separate-stderr forward --target local
  assert_failure 2
  [ "$stderr" = 'error: the local target needs no port-forward: its server listens on 127.0.0.1 (fix: DB_TARGET=local npm run -s db:url)' ]
  run --separate-stderr forward --port 70000
  assert_failure 2
  [ "$stderr" = 'error: --port 70000 is not a TCP port (1-65535) (fix: npm run -s db:port-forward -- --port 15432)' ]
  [ "$(forwards)" = 0 ]
  [ ! -e "$RECORD" ]
}

@test "a record naming pid 0, a negative pid or no port is no record: nothing is signalled" {
  deploy >/dev/null 2>&1
  mkdir -p .pgk8s/port-forward
  setsid sleep 300 3>&- &
  PID=$!
  for pid in 0 -1 "-$PID" '"x"'; do
    echo "{\"pid\": $pid, \"port\": 5432}" >"$RECORD"
    run --separate-stderr forward --stop
    assert_success
    assert_output 'ok: no port-forward recorded for postgresql in postgres; nothing to do'
  done
  kill -0 "$PID"
}

@test "a record that cannot be written: one line with the fix, exit 3, and no kubectl left running" {
  deploy >/dev/null 2>&1
  mkdir -p "$RECORD.tmp"
  port=$(free_port)
  run --separate-stderr forward --background --port "$port"
  assert_failure 3
  [[ "$stderr" == "error: cannot write the port-forward record in .pgk8s/port-forward: "*"(fix: make .pgk8s/port-forward writable (or remove what is in the way), then run npm run -s db:port-forward again)" ]]
  sleep 0.3
  ! pgrep -f "port-forward -n postgres svc/postgresql $port:5432"
}

@test "three --background runs at once start one forwarder: the others find it or are told one is starting" {
  deploy >/dev/null 2>&1
  port=$(free_port)
  for i in 1 2 3; do forward --background --port "$port" >"out$i" 2>"err$i" 3>&- & done
  wait
  [ "$(pgrep -fc 'port-forward -n postgres svc/postgresql')" = 1 ]
  kill -0 "$(jq -r .pid "$RECORD")"
  [ "$(jq -r .port "$RECORD")" = "$port" ]
  cat err1 err2 err3 | grep -v '^error: another db:port-forward for this release is starting' | grep '^error' && false
  run through "$port"
  assert_output 1
}
