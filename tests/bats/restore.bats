#!/usr/bin/env bats
# backup.ts restore against the simulated cluster: checked before anything, one transaction, and on
# any failure or Ctrl-C the database exactly as it was.
load test_helper

setup() {
  start_cluster
  node --import tsx "$ROOT/scripts/deploy.ts" >/dev/null 2>&1
  BK="$BATS_TEST_TMPDIR/backups"
}
teardown() { stop_cluster; }

backup() { node --import tsx "$ROOT/scripts/backup.ts" --dir "$BK" "$@"; }
fill() {
  pod_psql -c "create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, ${1:-50000}) g;
               create table tags (id int primary key, t_id int references t, tag text not null); insert into tags select g, g, 'tag' || g from generate_series(1, 1000) g"
}
# Row count and content hash of every table in public, one line each: the database's fingerprint.
fingerprint() {
  pod_psql -c "select string_agg(format('%s %s', table_name, (xpath('/row/c/text()', query_to_xml(format('select count(*) || '':'' || md5(coalesce(string_agg(x::text, '','' order by x::text), '''')) as c from %I x', table_name), false, false, '')))[1]::text), E'\n' order by table_name) from information_schema.tables where table_schema = 'public'"
}
take_backup() { backup >/dev/null 2>&1 && ls "$BK"/*.dump | head -1; }

@test "round trip: the database becomes exactly the backup; the safety backup undoes it" {
  fill 50000
  file=$(take_backup)
  before=$(fingerprint)
  pod_psql -c "delete from tags where id > 500; update t set v = 'changed' where id < 100; create table later (x int); drop table tags"
  changed=$(fingerprint)
  [ "$changed" != "$before" ]
  # As on the real image, the app user owns schema public, which DROP OWNED drops.
  public="select pg_get_userbyid(nspowner) || ' ' || nspacl::text || ' ' || obj_description(oid, 'pg_namespace')
          from pg_namespace where nspname = 'public'"
  [ "$(pod_psql -c "$public")" = 'learnflow {learnflow=UC/learnflow,=U/learnflow} standard public schema' ]
  run --separate-stderr backup restore "$file" --yes
  assert_success
  [ "$(pod_psql -c "$public")" = 'learnflow {learnflow=UC/learnflow,=U/learnflow} standard public schema' ]
  [ "${#lines[@]}" -le 5 ]
  assert_line --index 0 --regexp "^restored: $file → learnflow \(2 tables, schema none, taken .*\)$"
  assert_line --index -1 'ok: restored in one transaction'
  [ "$(fingerprint)" = "$before" ]
  # The safety backup holds the state just before the restore, and restores like any other.
  safety=$(ls "$BK"/*-pre-restore.dump)
  [ "$(stat -c %a "$safety")" = 600 ]
  run --separate-stderr backup restore "$safety" --yes --skip-safety-backup --json
  assert_success
  [ "$(jq -r '.status + " " + (.tables | tostring) + " " + (.safetyBackup | tostring) + " " + (.leftoverTables | length | tostring)' <<<"$output")" = "restored 2 null 0" ]
  [ "$(fingerprint)" = "$changed" ]
  # No password in any argv.
  pw=$(kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}' | base64 -d)
  run grep -c -- "$pw" "$CLUSTER/calls.jsonl"
  assert_output 0
}

@test "without a terminal, restore needs --yes and touches nothing" {
  fill 1000
  file=$(take_backup)
  pod_psql -c "update t set v = 'changed' where id <= 10"
  before=$(fingerprint)
  : >"$CLUSTER/calls.jsonl"
  run --separate-stderr backup restore "$file" </dev/null
  assert_failure 2
  [[ "$stderr" == "error: this will replace the whole database in postgres/postgresql-0 with $file"*"there is no terminal to ask, so it needs --yes (fix: npm run -s db:backup -- restore $file --yes)" ]]
  [ ! -s "$CLUSTER/calls.jsonl" ]
  [ "$(ls "$BK"/*.dump | wc -l)" = 1 ]
  [ "$(fingerprint)" = "$before" ]
}

@test "a corrupted, truncated or manifest-less file is refused before the database is touched" {
  fill 1000
  file=$(take_backup)
  before=$(fingerprint)
  : >"$CLUSTER/calls.jsonl"
  cp "$file" "$BK/flipped.dump" && cp "$file.json" "$BK/flipped.dump.json"
  printf 'X' | dd of="$BK/flipped.dump" bs=1 seek=5000 conv=notrunc status=none
  run --separate-stderr backup restore "$BK/flipped.dump" --yes
  assert_failure 2
  [[ "$stderr" == *"flipped.dump does not match its manifest (sha256 "*"): corrupted, not restored (fix: restore another backup (npm run -s db:backup -- list))" ]]
  head -c 3000 "$file" >"$BK/short.dump" && cp "$file.json" "$BK/short.dump.json"
  run --separate-stderr backup restore "$BK/short.dump" --yes
  assert_failure 2
  [[ "$stderr" == *"short.dump is 3000 bytes but its backup wrote "*": truncated or altered, not restored"* ]]
  cp "$file" "$BK/bare.dump"
  run --separate-stderr backup restore "$BK/bare.dump" --yes
  assert_failure 2
  [[ "$stderr" == *"bare.dump has no readable manifest (bare.dump.json)"* ]]
  # A plain SQL file with a manifest made to match: not an archive pg_restore reads, so refused as bad input.
  printf 'drop table t;\n' >"$BK/plain.dump"
  jq -n --arg sha "$(sha256sum "$BK/plain.dump" | cut -d' ' -f1)" '{sha256: $sha, sizeBytes: 14, database: "learnflow"}' >"$BK/plain.dump.json"
  run --separate-stderr backup restore "$BK/plain.dump" --yes
  assert_failure 2
  [[ "$stderr" == *"plain.dump is not a pg_dump archive (custom format starts with PGDMP); nothing changed (fix: restore a backup made by npm run -s db:backup, listed by npm run -s db:backup -- list)" ]]
  run --separate-stderr backup restore --yes
  assert_failure 2
  run grep -c pg_restore "$CLUSTER/calls.jsonl"
  assert_output 0
  [ "$(fingerprint)" = "$before" ]
}

@test "Ctrl-C: the restore session in the pod is ended too, so nothing commits later" {
  fill 1000
  file=$(take_backup)
  pod_psql -c "update t set v = 'changed' where id <= 10"
  before=$(fingerprint)
  # Another session holds a lock the restore's DROP must wait for. By the time it is released the
  # whole (small) archive sits in the pod, so only ending the session server-side stops the commit.
  pod_psql -c "begin; lock table t in access share mode; select pg_sleep(8); commit" &
  holder=$!
  sleep 1
  # Job control on: a background job of a non-interactive shell would ignore SIGINT.
  set -m
  node --import tsx "$ROOT/scripts/backup.ts" --dir "$BK" restore "$file" --yes --skip-safety-backup 2>"$BATS_TEST_TMPDIR/err" &
  pid=$!
  set +m
  for _ in $(seq 50); do grep -q '^restoring ' "$BATS_TEST_TMPDIR/err" && break; sleep 0.1; done
  sleep 1.5
  kill -INT "$pid"
  status=0
  wait "$pid" || status=$?
  [ "$status" = 130 ]
  grep -q 'restore interrupted: the database is unchanged (the transaction rolled back)' "$BATS_TEST_TMPDIR/err" || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
  wait "$holder"
  [ "$(fingerprint)" = "$before" ]
  run pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%'"
  assert_output 0
}

@test "a restore failing half-way (volume full) leaves the database as it was" {
  fill 300000
  file=$(take_backup)
  pod_psql -c "delete from t where id > 1000"
  before=$(fingerprint)
  sim fault disk-full 93
  run --separate-stderr backup restore "$file" --yes --skip-safety-backup
  assert_failure 1
  # PostgreSQL says "could not extend file" for a table and "could not write to file" for a temporary one:
  # which comes first depends on timing. Either is a full volume.
  [[ "$stderr" =~ failed:\ ERROR:\ \ could\ not\ (extend|write\ to)\ file ]] || { echo "$stderr"; false; }
  [[ "$stderr" == *"; the database is unchanged (the transaction rolled back) (fix: grow the volume"* ]] || { echo "$stderr"; false; }
  sim clear
  [ "$(fingerprint)" = "$before" ]
}

@test "a stream cut half-way leaves the database as it was and says so" {
  fill 50000
  file=$(take_backup)
  pod_psql -c "delete from t where id > 1000"
  before=$(fingerprint)
  sim fault exec-cut 200000
  run --separate-stderr backup restore "$file" --yes --skip-safety-backup
  sim clear
  assert_failure 1
  [[ "$stderr" == *"failed: the exec stream ended before pg_restore finished (connection cut?); the database is unchanged (the transaction rolled back) (fix: npm run -s db:backup -- restore $file --yes)" ]]
  [ "$(fingerprint)" = "$before" ]
}

# Puts SQL into a backup where a table comment of the same length was, and rewrites its manifest to
# match, as whoever crafted the archive would.
craft() {
  python3 - "$1" "$2" <<'PY'
import sys, hashlib, json
p, sql = sys.argv[1], sys.argv[2].encode()
data = open(p, 'rb').read()
assert data.count(b'A' * len(sql)) == 1
data = data.replace(b'A' * len(sql), sql)
open(p, 'wb').write(data)
m = json.load(open(p + '.json'))
m['sha256'] = hashlib.sha256(data).hexdigest()
m['sizeBytes'] = len(data)
json.dump(m, open(p + '.json', 'w'))
PY
}

# A backup of the database now whose SQL carries $1 where a table comment of the same length was.
crafted_backup() {
  pod_psql -c "comment on table t is '$(printf 'A%.0s' $(seq ${#1}))'"
  local file
  file=$(take_backup)
  craft "$file" "$1"
  echo "$file"
}

@test "an archive whose SQL changes the app role or the database's settings: all put back, and the restore fails" {
  fill 2000
  evil="';ALTER ROLE learnflow SET statement_timeout='1ms';ALTER ROLE learnflow PASSWORD 'pwned';ALTER DATABASE learnflow SET work_mem='64kB';--"
  file=$(crafted_backup "$evil")
  run --separate-stderr backup restore "$file" --yes
  assert_failure 1
  refute_output --partial 'restored in one transaction'
  [[ "$stderr" == *"its SQL changed the app role's password, the app role's settings (statement_timeout), the database's settings (work_mem), which no backup of a database holds; put back as it was."* ]]
  [[ "$stderr" == *"(fix: npm run -s db:backup -- restore "*"-pre-restore.dump --yes)" ]]
  # The Secret's password still opens the database, and no setting was left behind.
  [ "$(pod_psql -c 'show statement_timeout' -c 'show work_mem')" = "0
4MB" ]
  run --separate-stderr node --import tsx "$ROOT/scripts/verify.ts"
  assert_success
  run --separate-stderr backup restore "$file" --yes --json
  [ "$(jq -c '[.status, .putBack]' <<<"$output")" = '["role-changed",["the app role'"'"'s password","the app role'"'"'s settings (statement_timeout)","the database'"'"'s settings (work_mem)"]]' ]
}

@test "an archive that locks the app out (CONNECT revoked, connection limit 0): put back, the app still connects" {
  fill 2000
  evil="';REVOKE ALL ON DATABASE learnflow FROM PUBLIC, learnflow;ALTER DATABASE learnflow CONNECTION LIMIT 0;--"
  file=$(crafted_backup "$evil")
  run --separate-stderr backup restore "$file" --yes
  assert_failure 1
  [[ "$stderr" == *"its SQL changed the database's connlimit, the database's privileges, which no backup"* ]]
  run pod_psql -c 'select count(*) from t'
  assert_success
  assert_output 2000
}

@test "an archive that commits, then renames schema public: reported partly restored, and the printed undo works" {
  fill 2000
  evil="';COMMIT;ALTER SCHEMA public RENAME TO gone;--"
  file=$(crafted_backup "$evil")
  run --separate-stderr backup restore "$file" --yes
  assert_failure 1
  [[ "$stderr" == *"PARTLY restored"* ]]
  undo=$(sed -n 's/.*(fix: \(npm run -s db:backup -- restore [^)]*--yes\)).*/\1/p' <<<"$stderr")
  [ -n "$undo" ]
  # shellcheck disable=SC2086 # the printed command, split as a shell would
  run --separate-stderr backup restore ${undo#npm run -s db:backup -- restore } --skip-safety-backup
  assert_success
  [ "$(pod_psql -c 'select count(*) from t')" = 2000 ]
}

# A crafted archive (its manifest rewritten to match, as whoever crafted it would) whose SQL commits
# the restore's transaction itself and then fails: never "restored", and the way back named.
@test "an archive whose SQL ends the restore's transaction is reported as a partial restore, never ok" {
  fill 2000
  pod_psql -c "comment on table t is 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'"
  file=$(take_backup)
  # Same length, so the custom-format archive stays readable: the comment's text becomes SQL.
  python3 - "$file" <<'PY'
import sys, hashlib, json
p = sys.argv[1]
data = open(p, 'rb').read()
evil = b"';COMMIT;SELECT 1/0;--".ljust(30, b' ')
assert data.count(b'A' * 30) == 1
data = data.replace(b'A' * 30, evil)
open(p, 'wb').write(data)
m = json.load(open(p + '.json'))
m['sha256'] = hashlib.sha256(data).hexdigest()
m['sizeBytes'] = len(data)
json.dump(m, open(p + '.json', 'w'))
PY
  pod_psql -c "insert into t values (1000001, 'after the backup')"
  run --separate-stderr backup restore "$file" --yes
  assert_failure 1
  refute_output --partial 'restored in one transaction'
  [[ "$stderr" == *"the archive's own SQL ended the restore's transaction"*"PARTLY restored"* ]]
  [[ "$stderr" == *"(fix: npm run -s db:backup -- restore "*"-pre-restore.dump --yes)"* ]]
}
