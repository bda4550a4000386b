#!/usr/bin/env bats
# backup.ts backup and list against the simulated cluster: streamed, verified, private, or nothing.
load test_helper

setup() {
  start_cluster
  node --import tsx "$ROOT/scripts/deploy.ts" >/dev/null 2>&1
  BK="$BATS_TEST_TMPDIR/backups"
}
teardown() { stop_cluster; }

backup() { node --import tsx "$ROOT/scripts/backup.ts" --dir "$BK" "$@"; }
admin_psql() {
  kubectl exec -i -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -U postgres -d "$POSTGRES_DATABASE" -v ON_ERROR_STOP=1 -Atq "$@"' psql "$@"
}
fill() { pod_psql -c "create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, ${1:-50000}) g"; }
table_checksum() { echo "select count(*), md5(string_agg(v, ',' order by id)) from t" | "$@"; }

@test "backup: a private file and manifest, sha256 and size right, the data restorable" {
  fill 50000
  run --separate-stderr backup
  assert_success
  assert_line --index 1 'ok: verified by a full read (pg_restore); manifest beside it'
  file=$(ls "$BK"/*.dump)
  [[ "$(basename "$file")" =~ ^postgresql-learnflow-[0-9]{8}T[0-9]{6}Z\.dump$ ]]
  [ "$(stat -c %a "$file")" = 600 ] && [ "$(stat -c %a "$file.json")" = 600 ] && [ "$(stat -c %a "$BK")" = 700 ]
  [ "$(jq -r .sha256 "$file.json")" = "$(sha256sum "$file" | cut -d' ' -f1)" ]
  [ "$(jq -r .sizeBytes "$file.json")" = "$(stat -c %s "$file")" ]
  [ "$(jq -r '.database + " " + .format' "$file.json")" = "learnflow pg_dump -Fc" ]
  # Restore it by hand into a scratch database: same rows, same content.
  admin_psql -c 'create database scratch owner learnflow'
  kubectl exec -i -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" pg_restore -U learnflow -d scratch --no-owner' <"$file"
  original=$(table_checksum pod_psql -f -)
  copy=$(table_checksum kubectl exec -i -n postgres postgresql-0 -- sh -c 'PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" psql -U learnflow -d scratch -Atq -f -')
  [ "$original" = "$copy" ]
  [[ "$original" == 50000\|* ]]
}

@test "no password in any argv or output" {
  run --separate-stderr backup
  pw=$(kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}' | base64 -d)
  run grep -c -- "$pw" "$CLUSTER/calls.jsonl"
  assert_output 0
}

# Every byte of an exec goes through the API server: the dump crosses it once, checked on the pod's side.
@test "a backup of a 30 MB table sends at most 2% of the dump into the pod, and the file is what left it" {
  pod_psql -c "create table big (id int primary key, v text);
    insert into big select g, md5(g::text) || md5((g * 3)::text) || md5((g * 5)::text) || md5((g * 7)::text) ||
      md5((g * 11)::text) || md5((g * 13)::text) || md5((g * 17)::text) || md5((g * 19)::text)
    from generate_series(1, 120000) g"
  [ "$(pod_psql -c "select pg_table_size('big')")" -ge 30000000 ]
  : >"$CLUSTER/calls.jsonl"
  run --separate-stderr backup
  assert_success
  file=$(ls "$BK"/*.dump)
  size=$(stat -c %s "$file")
  execs=$(jq -c 'select(.tool == "kubectl" and .argv[0] == "exec")' "$CLUSTER/calls.jsonl")
  sent=$(jq -s 'map(.bytesIn) | add' <<<"$execs")
  came=$(jq -s 'map(.bytesOut) | max' <<<"$execs")
  echo "dump $size bytes; into the pod $sent, the largest exec out $came"
  [ "$sent" -le $((size / 50)) ]
  [ "$came" -ge "$size" ]
}

@test "a stream cut after N bytes is detected; no file is left behind" {
  fill 50000
  sim fault exec-cut 20000
  run --separate-stderr backup
  assert_failure 3
  [[ "$stderr" == *"backup incomplete: 20000 bytes arrived, then the exec stream was cut before the pod's end-of-dump report"*"no file kept (fix: run the backup again)" ]]
  run ls -A "$BK"
  assert_output ''
}

@test "pg_dump failing in the pod leaves no file and says why" {
  admin_psql -c 'create table secret_stuff (x int)'
  run --separate-stderr backup
  assert_failure 3
  [[ "$stderr" == *"pg_dump failed in postgres/postgresql-0 (exit 1): pg_dump: error: query failed: ERROR:  permission denied for table secret_stuff"* ]]
  run ls -A "$BK"
  assert_output ''
}

@test "a running maintenance job (the advisory lock) keeps the backup from starting" {
  pod_psql -c 'select pg_advisory_lock(7425001), pg_sleep(15)' &
  sleep 2
  run --separate-stderr backup
  assert_failure 3
  [[ "$stderr" == *"another job (a migration, backup or restore) holds the maintenance lock"* ]]
  [ ! -e "$BK" ] || [ -z "$(ls -A "$BK")" ]
  kill %1 2>/dev/null || true
}

@test "list shows the backups newest first; --keep N prunes the oldest with their manifests" {
  for i in 1 2 3; do backup >/dev/null 2>&1; sleep 1; done
  run --separate-stderr backup list
  assert_success
  [ "${#lines[@]}" -eq 4 ]
  assert_line --index 3 "ok: 3 backup(s) in $BK"
  newest=$(ls "$BK"/*.dump | sort | tail -1)
  run --separate-stderr backup list --keep 1 --json
  assert_success
  [ "$(jq '.removed | length' <<<"$output")" = 2 ]
  [ "$(ls "$BK" | wc -l)" = 2 ]
  [ -f "$newest" ] && [ -f "$newest.json" ]
}

@test "bad input changes nothing: existing --out, unknown action, --keep on backup, no deployment" {
  touch "$BATS_TEST_TMPDIR/taken.dump"
  run --separate-stderr backup --out "$BATS_TEST_TMPDIR/taken.dump"
  assert_failure 2
  [ ! -s "$BATS_TEST_TMPDIR/taken.dump" ]
  run --separate-stderr backup frobnicate
  assert_failure 2
  run --separate-stderr backup --keep 2
  assert_failure 2
  node --import tsx "$ROOT/scripts/deploy.ts" --uninstall >/dev/null 2>&1
  run --separate-stderr backup
  assert_failure 3
  [[ "$stderr" == *"pod postgres/postgresql-0 not found (is PostgreSQL deployed?); the backup did not start (fix: npm run -s db:deploy)" ]]
}

@test "--keep must be 1 or more (flag or PG_BACKUP_KEEP); nothing is deleted by a bad value" {
  backup >/dev/null 2>&1
  for bad in 0 -1; do
    run --separate-stderr backup list "--keep=$bad"
    assert_failure 2
    [[ "$stderr" == *"error: --keep must be 1 or more, not $bad (fix: PG_BACKUP_DIR=$BK npm run -s db:backup -- list --keep 7)"* ]]
    PG_BACKUP_KEEP=$bad run --separate-stderr backup list
    assert_failure 2
    [[ "$stderr" == *"error: PG_BACKUP_KEEP must be 1 or more, not $bad"* ]]
  done
  [ "$(ls "$BK"/*.dump | wc -l)" = 1 ]
}

@test "pruning keeps N per release and namespace; other releases' backups are never touched" {
  for i in 1 2; do backup >/dev/null 2>&1; sleep 1; done
  # A backup of another release in the same directory (its manifest says so).
  other="$BK/ldb-learnflow-20200101T000000Z.dump"
  cp "$(ls "$BK"/*.dump | head -1)" "$other"
  jq '.release = "ldb" | .namespace = "other" | .createdAt = "2020-01-01T00:00:00.000Z"' \
    "$(ls "$BK"/*.dump.json | head -1)" >"$other.json"
  run --separate-stderr backup list --keep 1 --json
  assert_success
  [ "$(jq '.removed | length' <<<"$output")" = 1 ]
  [ -f "$other" ] && [ -f "$other.json" ]
  [ "$(ls "$BK"/*.dump | wc -l)" = 2 ]
}

@test "PG_BACKUP_KEEP set for list (as .env.example shows) does not break backup or restore" {
  PG_BACKUP_KEEP=7 run --separate-stderr backup
  assert_success
  file=$(ls "$BK"/*.dump | head -1)
  PG_BACKUP_KEEP=7 run --separate-stderr backup restore "$file" --yes --skip-safety-backup
  assert_success
  run --separate-stderr backup --keep 2
  assert_failure 2
}

@test "--dry-run with every backup action: nothing written, deleted or restored, and it says what it would do" {
  fill 100
  backup >/dev/null 2>&1; sleep 1; backup >/dev/null 2>&1
  snapshot() { ls -l --time-style=+%s "$BK"; table_checksum pod_psql; }
  before=$(snapshot)
  run --separate-stderr backup --dry-run
  assert_success
  assert_line --index -1 --regexp "^ok: dry run: would back up learnflow from postgres/postgresql-0 to $BK/postgresql-learnflow-[0-9TZ]+\\.dump; nothing changed$"
  run --separate-stderr backup list --keep 1 --dry-run
  assert_success
  assert_line --index -1 --regexp "^ok: dry run: 2 backup\\(s\\) in $BK; would remove 1 older than the 1 newest: postgresql-learnflow-.*\\.dump; nothing changed$"
  file=$(ls "$BK"/*.dump | head -1)
  run --separate-stderr backup restore "$file" --dry-run
  assert_success
  assert_line --index -1 --regexp "^ok: dry run: $file \\(learnflow, [0-9.]+ MiB, sha256 checked\\) would replace learnflow in postgres/postgresql-0, after a safety backup; nothing changed$"
  [ "$(snapshot)" = "$before" ]
}

# The script run inside a mount namespace of its own, with DIR a small tmpfs (or a read-only one).
on_small_disk() {
  local dir=$1 opts=$2
  shift 2
  mkdir -p "$dir"
  unshare -m sh -c 'mount -t tmpfs -o "$1" none "$2" && shift 2 && exec "$@"' sh "$opts" "$dir" \
    node --import "$ROOT/node_modules/tsx/dist/loader.mjs" "$ROOT/scripts/backup.ts" "$@"
}
dump_sessions() { admin_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%-dump'"; }

@test "a full disk, a read-only one, --out naming a directory: one line with the fix, exit 3 or 2, no file kept" {
  fill 200000
  small="$BATS_TEST_TMPDIR/small"
  run --separate-stderr on_small_disk "$small" size=200k --dir "$small" --json
  assert_failure 3
  [[ "$(jq -r .error.message <<<"$output")" == "cannot write the backup $small/postgresql-learnflow-"*".dump: no space left on the disk (ENOSPC); no file kept" ]]
  [ "$(jq -r .error.fix <<<"$output")" = "free space on the disk that holds $small, or pass --dir on another disk" ]
  [ -z "$(ls -A "$small")" ]
  # pg_dump in the pod was ended too, not left blocked on a pipe no one reads.
  for _ in $(seq 50); do [ "$(dump_sessions)" = 0 ] && break; sleep 0.1; done
  [ "$(dump_sessions)" = 0 ]
  ro="$BATS_TEST_TMPDIR/ro"
  run --separate-stderr on_small_disk "$ro" ro --dir "$ro"
  assert_failure 3
  [[ "$stderr" == *"error: cannot write the backup $ro/postgresql-learnflow-"*".dump: the file system is read-only (EROFS); no file kept (fix: pass --dir (or --out) a directory you can write)" ]]
  mkdir -p "$BATS_TEST_TMPDIR/adir"
  run --separate-stderr backup --out "$BATS_TEST_TMPDIR/adir"
  assert_failure 2
  [[ "$stderr" == *"error: --out $BATS_TEST_TMPDIR/adir is a directory (fix: pass --out a file name in it, e.g. --out $BATS_TEST_TMPDIR/adir/backup.dump)" ]]
}

@test "restore whose safety backup cannot be written stops before the restore: the database as it was" {
  fill 200000
  backup >/dev/null 2>&1
  file=$(ls "$BK"/*.dump | head -1)
  pod_psql -c "update t set v = 'changed' where id <= 10"
  small="$BATS_TEST_TMPDIR/small"
  run --separate-stderr on_small_disk "$small" size=100k --dir "$small" restore "$file" --yes
  assert_failure 3
  [[ "$stderr" == *"error: cannot write the backup $small/"*"-pre-restore.dump: no space left on the disk (ENOSPC); no file kept"* ]]
  [ "$(pod_psql -c "select count(*) from t where v = 'changed'")" = 10 ]
}
