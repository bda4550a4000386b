#!/usr/bin/env bats
# The data volume's size and class: the StatefulSet's volumeClaimTemplates are immutable, so deploy grows a
# claim itself where the StorageClass allows expansion, and refuses (exit 2, nothing changed, a way out that
# works) where it does not, when shrinking, or when the class would change. Never the "differs" loop.
load test_helper

setup() { start_cluster; }
teardown() { stop_cluster; }

deploy() { node --import tsx "$ROOT/scripts/deploy.ts" "$@"; }
upgrades() { jq -c 'select(.tool == "helm" and .argv[0] == "upgrade")' "$CLUSTER/calls.jsonl" | wc -l; }
claim() {
  kubectl get pvc data-postgresql-0 -n postgres \
    -o jsonpath='{.spec.resources.requests.storage} {.status.capacity.storage} {.spec.storageClassName}'
}
template_size() {
  kubectl get sts postgresql -n postgres -o jsonpath='{.spec.volumeClaimTemplates[0].spec.resources.requests.storage}'
}
expandable_class() {
  printf '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"expandable"},"provisioner":"csi.example.com","allowVolumeExpansion":true}' |
    kubectl create -f - >/dev/null
}

@test "a bigger volume on a class without expansion is refused with the way out; nothing changes" {
  deploy >/dev/null 2>&1
  before=$(upgrades)
  for upgrade in --upgrade ''; do
    run --separate-stderr deploy --storage-size 16Gi $upgrade
    assert_failure 2
    [[ "$stderr" == *'error: StorageClass standard does not allow volume expansion (allowVolumeExpansion is not true), so data-postgresql-0 cannot grow from 8Gi to 16Gi in place; nothing changed'* ]]
    [[ "$stderr" == *'(fix: npm run -s db:backup -- --out backups/postgresql-before-volume-change.dump && npm run -s db:deploy -- --storage-size 16Gi --release postgresql-2 && npm run -s db:backup -- restore backups/postgresql-before-volume-change.dump --release postgresql-2 --yes)'* ]]
  done
  [ "$(upgrades)" = "$before" ]
  [ "$(claim)" = '8Gi 8Gi standard' ]
  [ "$(helm history postgresql -n postgres -o json | jq length)" = 1 ]
  # The same deploy without the change is still up to date: no loop.
  run --separate-stderr deploy
  assert_success
  assert_line --index -1 --partial 'already deployed, up to date and usable'
}

@test "the way out works as printed: backup, a new release with the bigger volume, restore" {
  deploy >/dev/null 2>&1
  pod_psql -c 'create table kept (n int); insert into kept values (42)'
  run --separate-stderr deploy --storage-size 16Gi
  assert_failure 2
  fix=${stderr##*(fix: }
  fix=${fix%)}
  # npm runs the scripts in the checkout, so the backup lands in its backups/ (git-ignored); removed after.
  run --separate-stderr bash -c "cd '$ROOT' && $fix"
  rm -f "$ROOT"/backups/postgresql-before-volume-change.dump*
  assert_success
  [ "$(kubectl get pvc data-postgresql-2-0 -n postgres -o jsonpath='{.status.capacity.storage}')" = 16Gi ]
  run kubectl exec -n postgres postgresql-2-0 -- sh -c \
    'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -U learnflow -d learnflow -Atc "select n from kept"'
  assert_output 42
}

@test "an expandable class: the claim grows in place, the pod and its data stay, the next deploy is up to date" {
  expandable_class
  deploy --storage-class expandable >/dev/null 2>&1
  pod_psql -c 'create table kept (n int); insert into kept values (42)'
  pod_uid=$(kubectl get pod postgresql-0 -n postgres -o jsonpath='{.metadata.uid}')
  run --separate-stderr deploy --storage-size 16Gi
  assert_success
  assert_output --partial 'would change: primary.persistence.size: "8Gi" → "16Gi"'
  [ "$(claim)" = '8Gi 8Gi expandable' ]
  run --separate-stderr deploy --storage-size 16Gi --upgrade
  assert_success
  [[ "$stderr" == *'growing data-postgresql-0: 8Gi → 16Gi'* ]]
  assert_line --index 0 --regexp '^upgraded postgresql in postgres'
  [ "$(claim)" = '16Gi 16Gi expandable' ]
  [ "$(template_size)" = 16Gi ]
  [ "$(kubectl get pod postgresql-0 -n postgres -o jsonpath='{.metadata.uid}')" = "$pod_uid" ]
  run kubectl exec -n postgres postgresql-0 -- df -h /bitnami/postgresql
  assert_output --partial ' 16G '
  run pod_psql -c 'select n from kept'
  assert_output 42
  orphaning=$(jq -c 'select(.tool == "kubectl" and .argv[0] == "delete" and any(.argv[]; . == "--cascade=orphan"))' \
    "$CLUSTER/calls.jsonl")
  [ -n "$orphaning" ]
  # The class is the claim's: a deploy without --storage-class keeps it (the cluster default is "standard").
  run --separate-stderr deploy --storage-size 16Gi
  assert_success
  assert_line --index -1 --partial 'already deployed, up to date and usable'
}

@test "shrinking and changing the class or access modes are refused with their reason" {
  expandable_class
  deploy --storage-class expandable >/dev/null 2>&1
  before=$(upgrades)
  run --separate-stderr deploy --storage-size 4Gi --upgrade
  assert_failure 2
  [[ "$stderr" == *'error: the data volume cannot shrink (data-postgresql-0 has 8Gi, asked 4Gi): a claim only grows; nothing changed'* ]]
  run --separate-stderr deploy --storage-class standard --upgrade
  assert_failure 2
  [[ "$stderr" == *"error: the data volume's StorageClass cannot change in place (expandable → standard): data-postgresql-0 keeps the class it was made with; nothing changed"* ]]
  [ "$(upgrades)" = "$before" ]
  [ "$(claim)" = '8Gi 8Gi expandable' ]
}

@test "--dry-run shows the volume step and changes nothing" {
  expandable_class
  deploy --storage-class expandable >/dev/null 2>&1
  run --separate-stderr deploy --storage-size 16Gi --upgrade --dry-run
  assert_success
  assert_line 'storage: grow data-postgresql-0 8Gi → 16Gi, then recreate the StatefulSet around its pod'
  [ "$(claim)" = '8Gi 8Gi expandable' ]
  [ "$(template_size)" = 8Gi ]
}

@test "a resize that does not finish in time says so and what is still going on" {
  expandable_class
  deploy --storage-class expandable >/dev/null 2>&1
  sim fault resize-stuck
  run --separate-stderr deploy --storage-size 16Gi --upgrade --timeout 3s
  assert_failure 3
  [[ "$stderr" == *'error: data-postgresql-0 asks for 16Gi but still has 8Gi after 3s (Resizing); the resize goes on in the cluster (fix: kubectl describe pvc data-postgresql-0 -n postgres; once it shows 16Gi, deploy again with --upgrade)'* ]]
  [ "$(template_size)" = 8Gi ]
  sim clear resize-stuck
  run --separate-stderr deploy --storage-size 16Gi --upgrade
  assert_success
  [ "$(claim)" = '16Gi 16Gi expandable' ]
  [ "$(template_size)" = 16Gi ]
}

@test "Helm 3 (client-side patch): the claim grows and the StatefulSet follows the same way" {
  stop_cluster
  start_cluster --helm 3
  expandable_class
  deploy --storage-class expandable >/dev/null 2>&1
  run --separate-stderr deploy --storage-size 16Gi --upgrade
  assert_success
  [ "$(claim)" = '16Gi 16Gi expandable' ]
  [ "$(template_size)" = 16Gi ]
  [ "$(helm history postgresql -n postgres -o json | jq -r '.[-1].status')" = deployed ]
}
