#!/usr/bin/env bats
# backup.ts restore against the simulated cluster: checked before anything, built whole in a scratch
# database and swapped in, and on any failure or Ctrl-C the database exactly as it was.
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
# A check that is slow everywhere but in learnflow itself: restoring its table into a scratch database
# takes about 6 s, so a Ctrl-C lands while pg_restore works there.
slow_elsewhere() {
  pod_psql -c "create function slow_ok(int) returns boolean language sql as
                 \$\$select case when current_database() = 'learnflow' then true else pg_sleep(0.01) is not null end\$\$;
               create table slow (id int check (public.slow_ok(id))); insert into slow select generate_series(1, 600)"
}
# psql as the superuser in the pod (the chart mounts its password file too).
pod_admin_psql() {
  kubectl exec -i -n postgres postgresql-0 -- sh -c \
    'PGPASSWORD="$(cat "$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -U postgres -d learnflow -v ON_ERROR_STOP=1 -Atq "$@"' psql "$@"
}
# Databases other than the ones the chart made: a restore leaves none behind (no scratch, no old copy).
extra_databases() {
  pod_admin_psql -c "select coalesce(string_agg(datname, ' '), 'none') from pg_database where datname not in ('postgres', 'template0', 'template1', 'learnflow')"
}

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
  assert_line --index -1 'ok: restored whole (built in a scratch database, then swapped in)'
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
  # The safety backup holds the state just before the restore, and restores like any other.
  safety=$(ls "$BK"/*-pre-restore.dump)
  [ "$(stat -c %a "$safety")" = 600 ]
  run --separate-stderr backup restore "$safety" --yes --skip-safety-backup --json
  assert_success
  [ "$(jq -r '.status + " " + (.tables | tostring) + " " + (.safetyBackup | tostring)' <<<"$output")" = "restored 2 null" ]
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
  [[ "$stderr" == "error: this will replace the whole database in postgres/postgresql-0 with $file"*"there is no terminal to ask, so it needs --yes (fix: PG_BACKUP_DIR=$BK npm run -s db:backup -- restore $file --yes)" ]]
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
  [[ "$stderr" == *"flipped.dump does not match its manifest (sha256 "*"): corrupted, not restored (fix: restore another backup (PG_BACKUP_DIR=$BK npm run -s db:backup -- list))" ]]
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
  [[ "$stderr" == *"plain.dump is not a pg_dump archive (custom format starts with PGDMP); nothing changed (fix: restore a backup made by PG_BACKUP_DIR=$BK npm run -s db:backup, listed by PG_BACKUP_DIR=$BK npm run -s db:backup -- list)" ]]
  run --separate-stderr backup restore --yes
  assert_failure 2
  run grep -c pg_restore "$CLUSTER/calls.jsonl"
  assert_output 0
  [ "$(fingerprint)" = "$before" ]
}

# The superuser session and df start alongside the lock: when the lock is refused, they end with it.
@test "a running maintenance job keeps the restore from starting: nothing changed, no session of it left" {
  fill 1000
  file=$(take_backup)
  pod_psql -c "update t set v = 'changed' where id <= 10"
  before=$(fingerprint)
  pod_psql -c 'select pg_advisory_lock(7425001), pg_sleep(20)' >/dev/null 3>&- &
  holder=$!
  wait_until 1 pod_psql -c "select count(*) from pg_locks where locktype = 'advisory' and granted"
  # A session left open would keep the process from exiting: bounded, so that fails instead of hanging.
  run --separate-stderr timeout 60 node --import tsx "$ROOT/scripts/backup.ts" --dir "$BK" restore "$file" --yes
  assert_failure 3
  [[ "$stderr" == *"another job (a migration, backup or restore) holds the maintenance lock on postgres/postgresql-0; the restore did not start"* ]] || { echo "$stderr"; false; }
  run pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%'"
  assert_output 0
  kill "$holder" 2>/dev/null || true
  pod_psql -c "select pg_terminate_backend(pid) from pg_stat_activity where query like '%pg_advisory_lock(7425001)%' and pid <> pg_backend_pid()" >/dev/null
  wait "$holder" 2>/dev/null || true
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
}

@test "Ctrl-C: the restore session in the pod is ended too, and the scratch database dropped" {
  fill 1000
  slow_elsewhere
  file=$(take_backup)
  pod_psql -c "update t set v = 'changed' where id <= 10"
  before=$(fingerprint)
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
  [ "$status" = 130 ] || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
  grep -q 'restore interrupted: the database is unchanged (the restore went into a scratch database, now dropped)' "$BATS_TEST_TMPDIR/err" || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
  run pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%'"
  assert_output 0
}

@test "a volume without room for the scratch copy is refused before anything changes (volume-full)" {
  fill 300000
  file=$(take_backup)
  grep -q '"databaseBytes": [1-9]' "$file.json"
  pod_psql -c "delete from t where id > 1000"
  before=$(fingerprint)
  sim fault disk-full 93
  : >"$CLUSTER/calls.jsonl"
  run --separate-stderr backup restore "$file" --yes
  sim clear
  assert_failure 1
  # Filling the volume half-way would stop PostgreSQL itself (dropping the scratch copy needs WAL it cannot write).
  [[ "$stderr" =~ the\ volume\ has\ [0-9.]+\ MiB\ free,\ and\ the\ restore\ needs\ about\ [0-9.]+\ MiB ]] || { echo "$stderr"; false; }
  [[ "$stderr" == *"; nothing changed (volume-full) (fix: grow the volume, then restore again: "* ]] || { echo "$stderr"; false; }
  run grep -c pg_restore "$CLUSTER/calls.jsonl"
  assert_output 0
  [ -z "$(ls "$BK" | grep pre-restore)" ]
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
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
  [[ "$stderr" == *"failed: the exec stream was cut before pg_restore finished (no result came back from the pod); the database is unchanged (the restore went into a scratch database, now dropped) (fix: PG_BACKUP_DIR=$BK npm run -s db:backup -- restore $file --yes)" ]]
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
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
  before=$(fingerprint)
  run --separate-stderr backup restore "$file" --yes
  assert_failure 1
  refute_output --partial 'restored'
  [[ "$stderr" == *"its SQL changed the app role's password, the app role's settings (statement_timeout), the database's settings (work_mem), which no backup of a database holds; put back as it was."* ]]
  # The live database was never touched: the fix is a backup to trust, not the safety backup.
  [[ "$stderr" == *"Do not trust this archive; the database is unchanged (the restore went into a scratch database, now dropped) (fix: PG_BACKUP_DIR=$BK npm run -s db:backup -- list, then restore a backup you trust)" ]] || { echo "$stderr"; false; }
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

# The archive's SQL runs in the scratch database only: whatever it commits part-way, the live one never sees it.
@test "an archive whose SQL commits part-way, then fails: the database is exactly as it was" {
  fill 2000
  file=$(crafted_backup "';COMMIT;SELECT 1/0;--")
  pod_psql -c "insert into t values (1000001, 'after the backup')"
  before=$(fingerprint)
  run --separate-stderr backup restore "$file" --yes
  assert_failure 1
  refute_output --partial 'restored'
  [[ "$stderr" == *"restore of $file failed: ERROR:  division by zero; the database is unchanged (the restore went into a scratch database, now dropped)"* ]] || { echo "$stderr"; false; }
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
}

@test "an archive that commits, then renames schema public: nothing of it reaches the database" {
  fill 2000
  file=$(crafted_backup "';COMMIT;ALTER SCHEMA public RENAME TO gone;--")
  before=$(fingerprint)
  run --separate-stderr backup restore "$file" --yes
  assert_failure 1
  [[ "$stderr" == *"the database is unchanged (the restore went into a scratch database, now dropped)"* ]] || { echo "$stderr"; false; }
  [ "$(pod_psql -c "select count(*) from pg_namespace where nspname = 'public'")" = 1 ]
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
}

# An archive cannot know the scratch database's name, but its SQL can reach it as current_database().
@test "an archive that changes its own database's settings: the restore fails and nothing is swapped in" {
  fill 2000
  file=$(crafted_backup "';DO \$\$BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem=''64kB''', current_database()); END\$\$;--")
  pod_psql -c "delete from tags where id > 10; delete from t where id > 10"
  before=$(fingerprint)
  run --separate-stderr backup restore "$file" --yes
  assert_failure 1
  [[ "$stderr" == *"its SQL changed the database's settings (work_mem), which no backup of a database holds"* ]] || { echo "$stderr"; false; }
  [ "$(fingerprint)" = "$before" ]
  [ "$(pod_psql -c 'show work_mem')" = 4MB ]
  [ "$(extra_databases)" = none ]
}

# What belongs to the database rather than to its backup stays as it was: owner, privileges, settings,
# per-role settings, comment, connection limit. Sessions on it are ended for the swap, and it says so.
@test "the swap keeps the database's own settings and privileges, and ends the sessions on it" {
  fill 1000
  file=$(take_backup)
  pod_admin_psql -c "create role reporter login password 'r'" -c "grant connect on database learnflow to reporter" \
    -c "alter database learnflow set work_mem = '8MB'" -c "alter role learnflow in database learnflow set lock_timeout = '7s'" \
    -c "comment on database learnflow is 'LearnFlow data'" -c "alter database learnflow connection limit 50"
  shape="select pg_get_userbyid(datdba), datacl::text, datconnlimit, shobj_description(oid, 'pg_database'),
           (select string_agg(coalesce(pg_get_userbyid(setrole), '-') || ':' || array_to_string(setconfig, ','), ' ' order by setrole)
              from pg_db_role_setting where setdatabase = d.oid), pg_encoding_to_char(encoding), datcollate
         from pg_database d where datname = 'learnflow'"
  shape_before=$(pod_admin_psql -c "$shape")
  pod_psql -c "select pg_sleep(60)" 2>"$BATS_TEST_TMPDIR/app" 3>&- &
  app=$!
  for _ in $(seq 50); do [ "$(pod_admin_psql -c "select count(*) from pg_stat_activity where query like 'select pg_sleep(60)%' and pid <> pg_backend_pid()")" = 1 ] && break; sleep 0.1; done
  run --separate-stderr backup restore "$file" --yes --skip-safety-backup
  assert_success
  assert_line --partial 'ended 1 session on learnflow for the swap'
  [ "$(pod_admin_psql -c "$shape")" = "$shape_before" ]
  status=0
  wait "$app" || status=$?
  [ "$status" != 0 ]
  grep -q 'terminating connection' "$BATS_TEST_TMPDIR/app"
  [ "$(extra_databases)" = none ]
}

# A table someone else owns is one the app user could never drop: swapping the database would.
@test "a table the app user does not own: refused before anything, nothing changed" {
  fill 1000
  file=$(take_backup)
  pod_admin_psql -c "create table audit_log (x int); insert into audit_log values (1)"
  before=$(fingerprint)
  : >"$CLUSTER/calls.jsonl"
  run --separate-stderr backup restore "$file" --yes
  assert_failure 2
  [[ "$stderr" == *"public.audit_log (owned by postgres) is not the app user's: replacing the database would delete it; nothing changed (fix: "*"alter table public.audit_log owner to learnflow"*")" ]] || { echo "$stderr"; false; }
  [ "$(fingerprint)" = "$before" ]
  [ "$(ls "$BK"/*.dump | wc -l)" = 1 ]
  run grep -c pg_restore "$CLUSTER/calls.jsonl"
  assert_output 0
}

@test "backup verify: a good file restores whole in a scratch database, rows counted, the live database untouched" {
  fill 2000
  file=$(take_backup)
  pod_psql -c "delete from tags where id > 10"
  before=$(fingerprint)
  run --separate-stderr backup verify "$file"
  assert_success
  assert_line 'public.t: 2000 rows'
  assert_line 'public.tags: 1000 rows'
  assert_line --index -1 --regexp "^ok: verified: $file restores whole \(2 tables, 3000 rows, schema none, [0-9.]+s\); scratch database dropped, the live database was not touched$"
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
  run --separate-stderr backup verify "$file" --json
  assert_success
  [ "$(jq -c '[.status, .rows, (.tables | length)]' <<<"$output")" = '["verified",3000,2]' ]
  # backup --verify: the drill right after the backup, under the same lock.
  run --separate-stderr backup --verify --out "$BK/checked.dump"
  assert_success
  assert_line --index 0 --regexp "^backup: $BK/checked.dump \("
  assert_line 'public.tags: 10 rows'
  assert_line --index -1 --regexp "^ok: verified: $BK/checked.dump restores whole \(2 tables, 2010 rows, "
  [ "$(extra_databases)" = none ]
  # One at a time with the other maintenance jobs, and no session of it left in the pod.
  run pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%'"
  assert_output 0
}

# A CHECK that holds only in the database it was made in: pg_dump writes it, the data breaks it elsewhere.
@test "backup verify: an archive whose data breaks a constraint fails, saying what, and leaves nothing behind" {
  pod_psql -c "create table picky (id int check (current_database() = 'learnflow')); insert into picky values (1)"
  file=$(take_backup)
  before=$(fingerprint)
  run --separate-stderr backup verify "$file"
  assert_failure 1
  [[ "$stderr" == *"$file does not restore: "*'violates check constraint "picky_check"'*"; scratch database dropped, the live database was not touched (fix: PG_BACKUP_DIR=$BK npm run -s db:backup -- list, then verify another backup)" ]] || { echo "$stderr"; false; }
  [ "$(fingerprint)" = "$before" ]
  [ "$(extra_databases)" = none ]
}

@test "backup verify: an archive that reaches the app role is put back and fails; bad input changes nothing" {
  fill 2000
  file=$(crafted_backup "';ALTER ROLE learnflow SET statement_timeout='1ms';--")
  run --separate-stderr backup verify "$file"
  assert_failure 1
  [[ "$stderr" == *"its SQL changed the app role's settings (statement_timeout), which no backup of a database holds; put back as it was. Do not trust this archive; the live database was not touched"* ]] || { echo "$stderr"; false; }
  [ "$(pod_psql -c 'show statement_timeout')" = 0 ]
  [ "$(extra_databases)" = none ]
  calls_before=$(wc -l <"$CLUSTER/calls.jsonl")
  run --separate-stderr backup verify
  assert_failure 2
  [[ "$stderr" == *'verify needs exactly one backup file'* ]]
  run --separate-stderr backup verify "$BK/nope.dump"
  assert_failure 2
  run --separate-stderr backup verify "$file" --keep 3
  assert_failure 2
  run --separate-stderr backup restore "$file" --verify --yes
  assert_failure 2
  [[ "$stderr" == *"--verify goes with a backup; to drill this file without replacing anything (fix: PG_BACKUP_DIR=$BK npm run -s db:backup -- verify $file)"* ]]
  [ "$(wc -l <"$CLUSTER/calls.jsonl")" = "$calls_before" ]
}

@test "backup verify: Ctrl-C ends its session in the pod and drops the scratch database" {
  fill 1000
  slow_elsewhere
  file=$(take_backup)
  set -m
  node --import tsx "$ROOT/scripts/backup.ts" --dir "$BK" verify "$file" 2>"$BATS_TEST_TMPDIR/err" &
  pid=$!
  set +m
  for _ in $(seq 50); do grep -q '^verifying ' "$BATS_TEST_TMPDIR/err" && break; sleep 0.1; done
  sleep 1.5
  interrupt "$pid"
  [ "$status" = 130 ] || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
  grep -q 'verify interrupted: scratch database dropped; the live database was not touched' "$BATS_TEST_TMPDIR/err" || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
  [ "$(extra_databases)" = none ]
  run pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%'"
  assert_output 0
}
