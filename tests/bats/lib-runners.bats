#!/usr/bin/env bats
# scripts/lib's kubectl and helm runners against the simulated cluster, Helm 3 and Helm 4.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

probe() { SIM_VALUES="$SIM_VALUES" node --import tsx "$ROOT/tests/fixtures/lib-probe.ts" "$1"; }

@test "the helm major version is detected: 4 here" {
  run probe helm-major
  assert_output 4
}

@test "Helm 4: the install argv the library builds waits for the pod and lists the release" {
  create_credentials postgres
  run probe install
  assert_output '{"exit":0,"listed":["deployed"]}'
  run jq -c 'select(.tool == "helm" and .argv[0] == "upgrade") | .argv | map(select(startswith("--wait") or . == "--rollback-on-failure" or . == "--atomic"))' "$CLUSTER/calls.jsonl"
  assert_output '["--wait=watcher","--rollback-on-failure"]'
  run kubectl get pod postgresql-0 -n postgres -o jsonpath='{.status.containerStatuses[0].ready}'
  assert_output true
}

@test "Helm 3: the same call gets Helm 3's flags and works too" {
  stop_cluster
  start_cluster --helm 3
  run probe helm-major
  assert_output 3
  create_credentials postgres
  run probe install
  assert_output '{"exit":0,"listed":["deployed"]}'
  run jq -c 'select(.tool == "helm" and .argv[0] == "upgrade") | .argv | map(select(startswith("--wait") or . == "--rollback-on-failure" or . == "--atomic"))' "$CLUSTER/calls.jsonl"
  assert_output '["--wait","--atomic"]'
}

@test "getJson: null for a missing object, the object when present" {
  run probe get-missing
  assert_output null
  run probe get-namespace
  assert_output '"default"'
}

@test "a Secret goes to kubectl on stdin; its value is in no argv" {
  run probe create-secret
  assert_output 0
  run kubectl get secret probe -n default -o name
  assert_output secret/probe
  run grep -c Zq8-very-secret-value "$CLUSTER/calls.jsonl"
  assert_output 0
}

@test "the runner refuses to put a registered secret in an argv, and runs nothing" {
  run probe secret-in-argv
  assert_output --partial 'error: '
  refute_output --partial 'Zq8-very-secret-value'
  run grep -c '"upgrade"' "$CLUSTER/calls.jsonl"
  assert_output 0
}

@test "an unreachable cluster becomes one line with the fix" {
  sim fault unreachable
  run probe unreachable
  assert_output '"error: cluster unreachable (current context): The connection to the server 192.168.49.2:8443 was refused - did you specify the right host or port? (fix: start the cluster, e.g. \"minikube start\", or pick one with --context)"'
}

# npm run -s db:* goes through scripts/launch.mjs: tsx only where this Node cannot strip types itself.
@test "the launcher runs a script with its own arguments, and names an unknown one" {
  run --separate-stderr node "$ROOT/scripts/launch.mjs" verify -n Bad_Name
  assert_failure 2
  [[ "$stderr" == *'Bad_Name'* ]]
  run --separate-stderr bash -c "cd '$ROOT' && npm run -s db:verify -- --help"
  assert_success
  assert_line --index 0 'Usage: npm run -s db:verify -- [flags]'
  run --separate-stderr node "$ROOT/scripts/launch.mjs" ../tests/sim/cli
  assert_failure 2
  [ "$stderr" = "error: no script \"../tests/sim/cli\" in $ROOT/scripts (fix: npm run for the db:* commands)" ]
}
