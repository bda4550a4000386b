#!/usr/bin/env bats
# migrate.ts against the simulated cluster, the real dbmate inside the pod, and a real PostgreSQL.
load test_helper

setup() {
  start_cluster
  node --import tsx "$ROOT/scripts/deploy.ts" >/dev/null 2>&1
  MIG="$BATS_TEST_TMPDIR/migrations"
  cp -r "$ROOT/db/migrations" "$MIG"
}
teardown() { stop_cluster; }

migrate() { node --import tsx "$ROOT/scripts/migrate.ts" --migrations-dir "$MIG" "$@"; }
applied() { pod_psql -c "select string_agg(version, ' ' order by version) from schema_migrations"; }
tables() { pod_psql -c "select string_agg(tablename, ' ' order by tablename) from pg_tables where schemaname = 'public'"; }
# Everything that defines the schema: constraints, indexes, columns. Equal means nothing changed.
schema_fingerprint() {
  pod_psql -c "select md5(string_agg(x, ',' order by x)) from (
    select conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) as x from pg_constraint where connamespace = 'public'::regnamespace
    union all select indexdef from pg_indexes where schemaname = 'public'
    union all select table_name || '.' || column_name || ' ' || data_type from information_schema.columns where table_schema = 'public') s"
}
exec_calls() { grep -c "\"exec\"" "$CLUSTER/calls.jsonl" || true; }

@test "fresh up creates LearnFlow's six tables with keys, rules and checks; a second up changes nothing" {
  run --separate-stderr migrate
  assert_success
  assert_line --index 0 --regexp '^applied 6: 20261125000001_create_users.sql, .*20261125000006_create_struggle_alerts.sql$'
  assert_line --index 1 --regexp '^ok: schema at 20261125000006 '
  [ "$(tables)" = "curriculum exercises progress schema_migrations schema_migrations_checksums struggle_alerts submissions users" ]
  # Foreign keys with their deliberate ON DELETE rules (a = no action, r = restrict, c = cascade, n = set null).
  run pod_psql -c "select string_agg(fk, ' ' order by fk) from (select conrelid::regclass || '>' || confrelid::regclass || ':' || confdeltype::text as fk from pg_constraint where contype = 'f') s"
  assert_output 'curriculum>curriculum:c exercises>curriculum:r progress>curriculum:c progress>users:c struggle_alerts>curriculum:n struggle_alerts>exercises:n struggle_alerts>users:c struggle_alerts>users:n submissions>exercises:r submissions>users:c'
  run pod_psql -c "select count(*) from pg_constraint where contype = 'c' and connamespace = 'public'::regnamespace"
  [ "$output" -ge 30 ]
  run pod_psql -c "select string_agg(indexname, ' ' order by indexname) from pg_indexes where indexname in ('users_email_key', 'curriculum_slug_key', 'submissions_user_exercise_idx', 'struggle_alerts_teacher_open_idx')"
  assert_output 'curriculum_slug_key struggle_alerts_teacher_open_idx submissions_user_exercise_idx users_email_key'
  before=$(schema_fingerprint)
  : >"$CLUSTER/calls.jsonl"
  run --separate-stderr migrate
  assert_success
  assert_output 'ok: up to date: nothing to apply (schema 20261125000006)'
  # The lock session, and the shell started beside it in case there was work (ended unused).
  [ "$(exec_calls)" = 2 ]
  [ "$(schema_fingerprint)" = "$before" ]
}

@test "the constraints reject bad rows: unknown role, score out of range, orphan submission, duplicate email" {
  migrate >/dev/null 2>&1
  pod_psql -c "insert into users (email, display_name, role, password_hash) values ('ana@x.io', 'Ana', 'student', repeat('h', 60))"
  run pod_psql -c "insert into users (email, display_name, role, password_hash) values ('bo@x.io', 'Bo', 'superuser', repeat('h', 60))"
  assert_failure
  [[ "$output" == *'violates check constraint "users_role_check"'* ]]
  run pod_psql -c "insert into users (email, display_name, password_hash) values ('ANA@x.io', 'Ana 2', repeat('h', 60))"
  [[ "$output" == *'duplicate key value violates unique constraint "users_email_key"'* ]]
  pod_psql -c "insert into curriculum (slug, kind, title, position) values ('basics', 'module', 'Basics', 0);
               insert into curriculum (slug, kind, parent_id, title, position) select 'variables', 'topic', id, 'Variables', 0 from curriculum where slug = 'basics';
               insert into exercises (slug, topic_id, title, prompt) select 'hello', id, 'Hello', 'Print hello' from curriculum where slug = 'variables'"
  run pod_psql -c "insert into submissions (user_id, exercise_id, code, status, score, graded_at) select u.id, e.id, 'print(1)', 'passed', 101, now() from users u, exercises e"
  [[ "$output" == *'violates check constraint "submissions_score_check"'* ]]
  run pod_psql -c "insert into submissions (user_id, exercise_id, code) select 424242, id, 'print(1)' from exercises"
  [[ "$output" == *'violates foreign key constraint "submissions_user_id_fkey"'* ]]
  run pod_psql -c "insert into curriculum (slug, kind, title, position) values ('orphan-topic', 'topic', 'Orphan', 1)"
  [[ "$output" == *'violates check constraint "curriculum_kind_parent"'* ]]
  # And updated_at follows every update.
  run pod_psql -c "update users set display_name = 'Ana B' where email = 'ana@x.io' returning updated_at > created_at"
  assert_output 't'
}

@test "status before and after; rollback one, then --steps 3, each with its tables" {
  run --separate-stderr migrate status
  assert_failure 1
  assert_output $'[ ] pending: 20261125000001_create_users.sql, 20261125000002_create_curriculum.sql, 20261125000003_create_exercises.sql, 20261125000004_create_submissions.sql, 20261125000005_create_progress.sql, 20261125000006_create_struggle_alerts.sql\n'"FAIL: 6 pending (PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate); schema empty"
  migrate >/dev/null 2>&1
  run --separate-stderr migrate status --json
  assert_success
  [ "$(jq -r '[.status, .schemaVersion, (.migrations | map(.state) | unique | join(","))] | join(" ")' <<<"$output")" = "up-to-date 20261125000006 applied" ]
  run --separate-stderr migrate rollback
  assert_success
  assert_output "rolled back 1: 20261125000006_create_struggle_alerts.sql
still in $MIG, so the next \"PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate\" applies it again; to keep it out: rm $MIG/20261125000006_create_struggle_alerts.sql
ok: schema at 20261125000005"
  # status tells a rolled-back file from one never applied, and names both ways out.
  run --separate-stderr migrate status
  assert_failure 1
  assert_line --index 1 '[ ] pending: 20261125000006_create_struggle_alerts.sql (rolled back)'
  assert_line --index 2 "FAIL: 1 pending (PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate; or keep the rolled-back one out: rm $MIG/20261125000006_create_struggle_alerts.sql); schema 20261125000005"
  run --separate-stderr migrate status --json
  [ "$(jq -c '[.migrations[] | select(.rolledBack) | .version]' <<<"$output")" = '["20261125000006"]' ]
  run --separate-stderr node --import tsx "$ROOT/scripts/verify.ts" --migrations-dir "$MIG"
  assert_line --index 1 "warning [migrations-pending]: 1 migration(s) not applied: 20261125000006 (rolled back: 20261125000006) (fix: PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate, or to keep the rolled-back out: rm $MIG/20261125000006_*.sql)"
  run --separate-stderr migrate rollback --steps 3
  assert_success
  assert_line --index 0 'rolled back 3: 20261125000005_create_progress.sql, 20261125000004_create_submissions.sql, 20261125000003_create_exercises.sql'
  [ "$(tables)" = "curriculum schema_migrations schema_migrations_checksums users" ]
  [ "$(applied)" = "20261125000001 20261125000002" ]
  run pod_psql -c 'select count(*) from schema_migrations_checksums where rolled_back_at is null'
  assert_output 2
  migrate >/dev/null 2>&1
  [ "$(applied | wc -w)" = 6 ]
  # Applied again: no longer marked.
  run pod_psql -c 'select count(*) from schema_migrations_checksums where rolled_back_at is not null'
  assert_output 0
  run --separate-stderr migrate status
  assert_success
}

@test "a failing migration: file, line, SQLSTATE and the exact state reported; earlier files of the run stay" {
  migrate >/dev/null 2>&1
  printf -- '-- migrate:up\ncreate table hints (id int primary key);\n-- migrate:down\ndrop table hints;\n' >"$MIG/20261126000001_create_hints.sql"
  printf -- '-- migrate:up\ncreate table broken (id int);\nselec 1;\n-- migrate:down\ndrop table broken;\n' >"$MIG/20261126000002_broken.sql"
  run --separate-stderr migrate
  assert_failure 1
  assert_output ''
  [[ "$stderr" == *"error: migration failed: $MIG/20261126000002_broken.sql line 3 (SQLSTATE 42601): syntax error at or near \"selec\"; applied before it in this run: 20261126000001_create_hints.sql; 20261126000002_broken.sql was rolled back; schema now 20261126000001 (fix: fix $MIG/20261126000002_broken.sql, then PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate (undo this run: PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate -- rollback --steps 1))" ]]
  [ "$(applied)" = "20261125000001 20261125000002 20261125000003 20261125000004 20261125000005 20261125000006 20261126000001" ]
  run pod_psql -c "select to_regclass('hints') is not null, to_regclass('broken') is null"
  assert_output 't|t'
  run --separate-stderr migrate --json
  assert_failure 1
  [ "$(jq -r '[.ok, .status, .line, .sqlstate, .schemaVersion, .error.code] | join(" ")' <<<"$output")" = "false failed 3 42601 20261126000001 migration-failed" ]
}

@test "two concurrent ups: one applies, the other waits for the lock and finds nothing to do" {
  migrate >"$BATS_TEST_TMPDIR/a.out" 2>&1 &
  a=$!
  migrate >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
  b=$!
  wait "$a"
  wait "$b"
  cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out" >"$BATS_TEST_TMPDIR/both.out"
  [ "$(grep -c '^applied 6: ' "$BATS_TEST_TMPDIR/both.out")" = 1 ]
  [ "$(grep -c '^ok: up to date: nothing to apply' "$BATS_TEST_TMPDIR/both.out")" = 1 ]
  run pod_psql -c 'select count(*), count(distinct version) from schema_migrations'
  assert_output '6|6'
}

@test "a held maintenance lock: up waits --lock-wait, then fails clearly and applies nothing" {
  pod_psql -c 'select pg_advisory_lock(7425001), pg_sleep(8)' &
  sleep 1.5
  run --separate-stderr migrate --lock-wait 1s
  assert_failure 3
  [[ "$stderr" == *"another job (a migration, backup or restore) holds the maintenance lock on postgres/postgresql-0 (waited 1s); the migration did not start (fix: wait for it to finish, then run this again)" ]]
  run pod_psql -c "select to_regclass('schema_migrations') is null"
  assert_output 't'
  kill %1 2>/dev/null || true
}

@test "drift: an applied file edited later is reported by status and refused by up until resolved" {
  migrate >/dev/null 2>&1
  printf -- '-- migrate:up\ncreate table hints (id int);\n-- migrate:down\ndrop table hints;\n' >"$MIG/20261126000001_create_hints.sql"
  echo 'alter table exercises add column hint text;' >>"$MIG/20261125000003_create_exercises.sql"
  run --separate-stderr migrate status
  assert_failure 1
  assert_line --index 0 '[X] applied: 6 (20261125000001 … 20261125000006)'
  assert_line --index 1 '[ ] pending: 20261126000001_create_hints.sql'
  assert_line --index 2 '[!] changed since applied: 20261125000003_create_exercises.sql'
  run --separate-stderr migrate
  assert_failure 1
  [[ "$stderr" == *"20261125000003_create_exercises.sql changed since it was applied (sha256 "*"up refused"*"npm run -s db:migrate -- accept 20261125000003)" ]]
  run pod_psql -c "select to_regclass('hints') is null"
  assert_output 't'
  checksums() { pod_psql -c 'select string_agg(version || sha256, $$,$$ order by version) from schema_migrations_checksums'; }
  before=$(checksums)
  run --separate-stderr migrate accept 20261125000003 --dry-run
  assert_success
  assert_line --index -1 --regexp "^ok: dry run: would accept .*20261125000003_create_exercises.sql as applied \(sha256 [0-9a-f]{12}…\); nothing changed$"
  [ "$(checksums)" = "$before" ]
  run --separate-stderr migrate accept 20261125000003
  assert_success
  [ "$(checksums)" != "$before" ]
  run --separate-stderr migrate
  assert_success
  assert_line --index 0 'applied 1: 20261126000001_create_hints.sql'
}

@test "strict order: a new file older than the newest applied one is refused, with the way out" {
  migrate >/dev/null 2>&1
  printf -- '-- migrate:up\ncreate table early (id int);\n-- migrate:down\ndrop table early;\n' >"$MIG/20261124000000_early.sql"
  run --separate-stderr migrate
  assert_failure 1
  [[ "$stderr" == *"20261124000000_early.sql sorts before 20261125000006, which is already applied: in strict order it would never run (fix: give it a newer version: git mv "*"_early.sql (or pass --allow-out-of-order))" ]]
  run --separate-stderr migrate --allow-out-of-order
  assert_success
  assert_line --index 0 'applied 1: 20261124000000_early.sql'
}

@test "dbmate is copied into the pod once and reused while its checksum matches" {
  migrate >/dev/null 2>&1
  printf -- '-- migrate:up\ncreate table hints (id int);\n-- migrate:down\ndrop table hints;\n' >"$MIG/20261126000001_create_hints.sql"
  migrate >/dev/null 2>&1
  [ "$(grep -c 'dbmate.partial' "$CLUSTER/calls.jsonl")" = 1 ]
  [ "$(applied | wc -w)" = 7 ]
  # A binary changed in the pod after the copy is replaced, not trusted.
  kubectl exec -n postgres postgresql-0 -- sh -c 'echo x >> /tmp/dbmate'
  printf -- '-- migrate:up\ncreate table tips (id int);\n-- migrate:down\ndrop table tips;\n' >"$MIG/20261126000002_create_tips.sql"
  migrate >/dev/null 2>&1
  [ "$(grep -c 'dbmate.partial' "$CLUSTER/calls.jsonl")" = 2 ]
  [ "$(applied | wc -w)" = 8 ]
  # No password in any argv, dbmate's included.
  pw=$(kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}' | base64 -d)
  run grep -c -- "$pw" "$CLUSTER/calls.jsonl"
  assert_output 0
}

@test "--dry-run lists and changes nothing; bad files and flags are refused before the cluster is asked" {
  run --separate-stderr migrate --dry-run
  assert_success
  assert_line --index 0 "would apply $MIG/20261125000001_create_users.sql"
  assert_line --index -1 'ok: dry run: 6 to apply, nothing changed'
  run pod_psql -c "select to_regclass('schema_migrations') is null"
  assert_output 't'
  : >"$CLUSTER/calls.jsonl"
  echo 'create table x (id int);' >"$MIG/20261126000001_no_sections.sql"
  run --separate-stderr migrate
  assert_failure 2
  [[ "$stderr" == *"20261126000001_no_sections.sql has no \"-- migrate:up\" section"* ]]
  rm "$MIG/20261126000001_no_sections.sql"
  run --separate-stderr migrate --steps 2
  assert_failure 2
  run --separate-stderr migrate frobnicate
  assert_failure 2
  [ ! -s "$CLUSTER/calls.jsonl" ]
}

@test "new NAME creates a correctly named, empty migration locally" {
  run --separate-stderr migrate new add_hints
  assert_success
  file=$(ls "$MIG"/*_add_hints.sql)
  [[ "$(basename "$file")" =~ ^[0-9]{14}_add_hints\.sql$ ]]
  [ "$(head -1 "$file")" = '-- migrate:up' ]
  grep -q '^-- migrate:down$' "$file"
  run --separate-stderr migrate new 'Bad Name'
  assert_failure 2
}

# The registry has @dbmate/linux-arm64 only up to 2.24.0 (the pin is 2.36.0). A stand-in npm answers
# `npm view` and `npm pack` (its "arm64" build is this machine's dbmate, so the simulated pod can run it).
@test "an arm64 node: the pod gets the newest dbmate published for linux-arm64, said once; later runs reuse it" {
  stop_cluster
  start_cluster --arch aarch64
  node --import tsx "$ROOT/scripts/deploy.ts" >/dev/null 2>&1
  # A project of its own, so the download lands in its node_modules/.cache, not the checkout's.
  project="$BATS_TEST_TMPDIR/project"
  mkdir "$project" && cp -r "$ROOT/scripts" "$ROOT/package.json" "$project/"
  cp -al "$ROOT/node_modules" "$project/node_modules"
  rm -rf "$project/node_modules/.cache/dbmate"
  mkdir -p "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/pkg/package/bin"
  cp "$ROOT/node_modules/@dbmate/linux-x64/bin/dbmate" "$BATS_TEST_TMPDIR/pkg/package/bin/dbmate"
  cat >"$BATS_TEST_TMPDIR/bin/npm" <<STUB
#!/bin/sh
echo "\$*" >>"$BATS_TEST_TMPDIR/npm.log"
case "\$1 \$2" in
  'view @dbmate/linux-arm64') echo '["2.6.0","2.15.0","2.17.0","2.24.0"]' ;;
  'pack @dbmate/linux-arm64@2.24.0')
    dest=\$(echo "\$*" | sed 's/.*--pack-destination //')
    tar -czf "\$dest/dbmate-linux-arm64-2.24.0.tgz" -C "$BATS_TEST_TMPDIR/pkg" package
    echo dbmate-linux-arm64-2.24.0.tgz ;;
  *) echo "npm error 404 \$*" >&2; exit 1 ;;
esac
STUB
  chmod +x "$BATS_TEST_TMPDIR/bin/npm"
  run_migrate() { PATH="$BATS_TEST_TMPDIR/bin:$PATH" node --import tsx "$project/scripts/migrate.ts" --migrations-dir "$MIG"; }
  run --separate-stderr run_migrate
  assert_success
  [[ "$stderr" == *'copied dbmate 2.24.0 (downloaded, linux aarch64; 2.36.0 is not published for it, so the newest that is) into postgres/postgresql-0:/tmp/dbmate'* ]]
  [ "$(cut -d' ' -f1-2 "$BATS_TEST_TMPDIR/npm.log" | tr '\n' ,)" = 'view @dbmate/linux-arm64,pack @dbmate/linux-arm64@2.24.0,' ]
  [ "$(applied | wc -w)" = 6 ]
  # A new pod has an empty /tmp: the download is copied again, npm is not asked again.
  kubectl delete pod postgresql-0 -n postgres >/dev/null
  kubectl wait --for=condition=Ready pod/postgresql-0 -n postgres --timeout=60s >/dev/null
  printf -- '-- migrate:up\ncreate table hints (id int);\n-- migrate:down\ndrop table hints;\n' >"$MIG/20261126000001_create_hints.sql"
  run --separate-stderr run_migrate
  assert_success
  [[ "$stderr" == *'copied dbmate 2.24.0 (cache, linux aarch64; 2.36.0 is not published for it'* ]]
  [ "$(wc -l <"$BATS_TEST_TMPDIR/npm.log")" = 2 ]
}

# Killing kubectl exec leaves the process in the pod running (kubernetes#89031): the migration's own
# session must be ended server-side, or the file commits seconds after "interrupted".
@test "Ctrl-C during a migration ends its session in the pod: nothing commits later, and it says so" {
  migrate >/dev/null 2>&1
  printf -- '-- migrate:up\nselect pg_sleep(6);\ncreate table late (id int);\n-- migrate:down\ndrop table late;\n' \
    >"$MIG/20261126000001_slow.sql"
  set -m
  node --import tsx "$ROOT/scripts/migrate.ts" --migrations-dir "$MIG" 2>"$BATS_TEST_TMPDIR/err" &
  pid=$!
  set +m
  for _ in $(seq 100); do
    [ "$(pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%-migrate' and query like '%pg_sleep%'")" = 1 ] && break
    sleep 0.1
  done
  kill -INT "$pid"
  status=0
  wait "$pid" || status=$?
  [ "$status" = 130 ]
  grep -q 'interrupted: the migration in postgres/postgresql-0 was stopped (its session ended, its file rolled back); schema now 20261125000006' "$BATS_TEST_TMPDIR/err" || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
  sleep 7
  run pod_psql -c "select to_regclass('late') is null, (select count(*) from schema_migrations where version = '20261126000001')"
  assert_output 't|0'
}

# A job runner's cancel, `timeout(1)` and a closed terminal send SIGTERM or SIGHUP, not SIGINT: the same cleanup.
@test "SIGTERM and SIGHUP stop a migration as Ctrl-C does: its session ended, nothing commits later" {
  migrate >/dev/null 2>&1
  for sig in TERM HUP; do
    printf -- '-- migrate:up\nselect pg_sleep(6);\ncreate table late (id int);\n-- migrate:down\ndrop table late;\n' \
      >"$MIG/20261126000001_slow.sql"
    node --import tsx "$ROOT/scripts/migrate.ts" --migrations-dir "$MIG" 2>"$BATS_TEST_TMPDIR/err" &
    pid=$!
    for _ in $(seq 100); do
      [ "$(pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%-migrate' and query like '%pg_sleep%'")" = 1 ] && break
      sleep 0.1
    done
    kill -"$sig" "$pid"
    status=0
    wait "$pid" || status=$?
    [ "$status" = 130 ] || { echo "SIG$sig: exit $status" >&2; cat "$BATS_TEST_TMPDIR/err" >&2; false; }
    grep -q "^interrupted (SIG$sig): cleaning up" "$BATS_TEST_TMPDIR/err" || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
    grep -q "interrupted: the migration in postgres/postgresql-0 was stopped (its session ended, its file rolled back); schema now 20261125000006" "$BATS_TEST_TMPDIR/err" || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
    run pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%-migrate'"
    assert_output 0
  done
  sleep 6
  run pod_psql -c "select to_regclass('late') is null, (select count(*) from schema_migrations where version = '20261126000001')"
  assert_output 't|0'
}

@test "rollback --to VERSION undoes everything newer and keeps VERSION; a version not applied is refused" {
  migrate >/dev/null 2>&1
  run --separate-stderr migrate rollback --to 20261125000003
  assert_success
  assert_line --index 0 'rolled back 3: 20261125000006_create_struggle_alerts.sql, 20261125000005_create_progress.sql, 20261125000004_create_submissions.sql'
  assert_line --index -1 'ok: schema at 20261125000003'
  [ "$(applied)" = "20261125000001 20261125000002 20261125000003" ]
  run --separate-stderr migrate rollback --to 20261125000003
  assert_success
  assert_output 'ok: nothing to roll back: 20261125000003 is the newest applied'
  run --separate-stderr migrate rollback --to 20261125000005
  assert_failure 2
  [ "$stderr" = "error: --to 20261125000005 is not an applied version (newest applied: 20261125000003) (fix: PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate -- status)" ]
  for bad in abc ''; do
    run --separate-stderr migrate rollback --to "$bad"
    assert_failure 2
  done
  run --separate-stderr migrate rollback --to 20261125000001 --steps 2
  assert_failure 2
  [[ "$stderr" == 'error: --to goes with rollback, alone, and takes a migration VERSION'* ]]
  run --separate-stderr migrate status --to 20261125000001
  assert_failure 2
  [ "$(applied)" = "20261125000001 20261125000002 20261125000003" ]
  run --separate-stderr migrate rollback --to 0
  assert_success
  [ -z "$(applied)" ]
}

@test "a full volume during a migration is volume-full with the fix to grow it, the file rolled back; fixes carry --migrations-dir" {
  migrate >/dev/null 2>&1
  cat >"$MIG/29990101000000_fill.sql" <<'SQL'
-- migrate:up
create table more_fill as select g, md5(g::text) as v from generate_series(1, 2000000) g;
-- migrate:down
drop table more_fill;
SQL
  sim fault disk-full 99
  run --separate-stderr migrate --json
  sim clear
  assert_failure 1
  [ "$(jq -r .error.code <<<"$output")" = volume-full ]
  [ "$(jq -r .error.fix <<<"$output")" = "the database volume is full: grow it (kubectl edit pvc data-postgresql-0 -n postgres), then PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate" ]
  [ "$(pod_psql -c "select to_regclass('more_fill') is null")" = t ]
  [ "$(applied)" = "20261125000001 20261125000002 20261125000003 20261125000004 20261125000005 20261125000006" ]
}

@test "a rollback that would drop tables holding rows needs --yes, and takes a safety backup first" {
  migrate >/dev/null 2>&1
  pod_psql -c "insert into users (email, display_name, password_hash) values ('a@b.c', 'A', repeat('x', 20))"
  # The newest file's table is empty: no question, no backup.
  run --separate-stderr migrate rollback
  assert_success
  [ ! -e "$BATS_TEST_TMPDIR/backups" ]
  run --separate-stderr migrate rollback --to 0 --backup-dir "$BATS_TEST_TMPDIR/backups"
  assert_failure 2
  [ "$stderr" = "error: this will roll back 5 migration(s), which drops tables holding rows: users; there is no terminal to ask, so it needs --yes (fix: PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate -- rollback --to 0 --backup-dir $BATS_TEST_TMPDIR/backups --yes)" ]
  [ "$(applied)" = "20261125000001 20261125000002 20261125000003 20261125000004 20261125000005" ]
  run --separate-stderr migrate rollback --to 0 --backup-dir "$BATS_TEST_TMPDIR/backups" --dry-run
  assert_success
  assert_output --partial 'would take a safety backup first (tables holding rows: users)'
  [ ! -e "$BATS_TEST_TMPDIR/backups" ]
  run --separate-stderr migrate rollback --to 0 --backup-dir "$BATS_TEST_TMPDIR/backups" --yes
  assert_success
  safety=$(ls "$BATS_TEST_TMPDIR"/backups/*-pre-rollback.dump)
  [ -f "$safety.json" ]
  assert_output --partial "safety backup: $safety (undo: PG_MIGRATIONS_DIR=$MIG npm run -s db:backup -- restore $safety --yes)"
  [ "$(applied)" = "" ]
  # The safety backup brings the rows back.
  node --import tsx "$ROOT/scripts/backup.ts" restore "$safety" --yes --skip-safety-backup >/dev/null 2>&1
  [ "$(pod_psql -c 'select count(*) from users')" = 1 ]
}

@test "a down section that drops a column or a schema counts as losing data too: --yes, then a safety backup" {
  cat >"$MIG/29990101000000_extra.sql" <<'SQL'
-- migrate:up
create schema extra;
create table extra."My Notes" (id int);
alter table users add column nick text;
-- migrate:down
alter table users drop column nick; drop schema extra cascade;
SQL
  migrate >/dev/null 2>&1
  run --separate-stderr migrate rollback
  assert_failure 2
  [[ "$stderr" == "error: this will roll back 1 migration(s), which may delete data (alter table … drop, drop schema); there is no terminal to ask, so it needs --yes"* ]]
  run --separate-stderr migrate rollback --backup-dir "$BATS_TEST_TMPDIR/backups" --yes
  assert_success
  ls "$BATS_TEST_TMPDIR"/backups/*-pre-rollback.dump >/dev/null
}

# A DDL statement behind an app's open transaction would queue every query behind it: it waits at most
# --lock-timeout (default 5s), fails with the holder named, and applies once the lock is gone.
@test "a migration behind a lock fails within --lock-timeout, naming the holder, and applies once it is gone" {
  migrate >/dev/null 2>&1
  printf -- '-- migrate:up\nalter table users add column nickname text;\n-- migrate:down\nalter table users drop column nickname;\n' \
    >"$MIG/20261201000000_add_nickname.sql"
  pod_psql -c "set application_name = 'learnflow-api'; begin; select count(*) from users; select pg_sleep(30); commit" >/dev/null 3>&- &
  blocker=$!
  wait_until 1 pod_psql -c "select count(*) from pg_stat_activity where application_name = 'learnflow-api' and state = 'active'"
  t0=$(date +%s%N)
  run --separate-stderr migrate --lock-timeout 2s
  ms=$((($(date +%s%N) - t0) / 1000000))
  assert_failure 1
  echo "$stderr"
  [[ "$stderr" == *"20261201000000_add_nickname.sql (SQLSTATE 55P03): waited 2s for a lock on users held by pid "*" (application_name learnflow-api, active); nothing else was applied in this run; 20261201000000_add_nickname.sql was rolled back"* ]]
  [[ "$stderr" == *"(fix: once that transaction ends, PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate (or wait longer: PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate -- --lock-timeout 12s))" ]]
  [ "$ms" -le 8000 ]
  [ "$(applied | wc -w)" = 6 ]
  # A file's own SET lock_timeout wins over --lock-timeout.
  printf -- '-- migrate:up\nset lock_timeout = 1000;\nalter table users add column nickname text;\n-- migrate:down\nalter table users drop column nickname;\n' \
    >"$MIG/20261201000000_add_nickname.sql"
  t0=$(date +%s%N)
  run --separate-stderr migrate --lock-timeout 60s
  ms=$((($(date +%s%N) - t0) / 1000000))
  assert_failure 1
  [[ "$stderr" == *"(SQLSTATE 55P03): waited its own lock_timeout for a lock on users held by pid "* ]]
  [ "$ms" -le 8000 ]
  kill "$blocker" 2>/dev/null || true
  pod_psql -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'learnflow-api'" >/dev/null
  wait "$blocker" 2>/dev/null || true
  run --separate-stderr migrate
  assert_success
  [ "$(applied | wc -w)" = 7 ]
}

# squawk before apply: a statement that rewrites or locks a whole table is refused before the lock is taken.
@test "up lints first: a required column without default is refused, nothing applied; --allow and an ignore let it through" {
  migrate >/dev/null 2>&1
  printf -- '-- migrate:up\nalter table users add column age bigint not null;\n-- migrate:down\nalter table users drop column age;\n' \
    >"$MIG/20261201000000_add_age.sql"
  # Another job holds the maintenance lock: an up that took it first would wait --lock-wait, then exit 3.
  pod_psql -c 'select pg_advisory_lock(7425001), pg_sleep(6)' >/dev/null 3>&- &
  holder=$!
  wait_until 1 pod_psql -c "select count(*) from pg_locks where locktype = 'advisory' and granted"
  run --separate-stderr migrate --lock-wait 10s
  assert_failure 2
  [[ "$stderr" == *"error: $MIG/20261201000000_add_age.sql:2 adding-required-field: Adding a new column that is \`NOT NULL\` and has no default value"*"(squawk: Make the field nullable or add a non-VOLATILE DEFAULT); up refused, nothing applied (fix: PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate -- --migrations-dir $MIG --lock-wait 10s --allow adding-required-field (this run only), or once reviewed a \"-- squawk-ignore adding-required-field\" line above $MIG/20261201000000_add_age.sql:2)" ]] || { echo "$stderr"; false; }
  [ "$(applied | wc -w)" = 6 ]
  wait "$holder" || true
  run --separate-stderr migrate status
  assert_failure 1
  assert_line --index 1 '[ ] pending: 20261201000000_add_age.sql (lint: blocking)'
  [[ "${lines[-1]}" == *"1 pending (PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate; 1 with a blocking lint finding: PG_MIGRATIONS_DIR=$MIG npm run -s db:migrate -- lint --pending)"* ]]
  run --separate-stderr migrate lint
  assert_failure 1
  assert_line --index 0 --partial "20261201000000_add_age.sql:2 adding-required-field: "
  run --separate-stderr migrate lint --pending --json
  assert_failure 1
  [ "$(jq -c '[.status, .files, (.findings | map(.rule))]' <<<"$output")" = '["blocked",1,["adding-required-field"]]' ]
  # --allow for this run: applied, and said so.
  pod_psql -c "delete from users" >/dev/null
  run --separate-stderr migrate --allow adding-required-field
  assert_success
  [[ "$stderr" == *"lint: $MIG/20261201000000_add_age.sql:2 adding-required-field: "*"[allowed for this run]"* ]]
  [ "$(applied | wc -w)" = 7 ]
  # An ignore comment in the file: reviewed once, shown every run.
  printf -- '-- migrate:up\n-- squawk-ignore renaming-column\nalter table users rename column age to years;\n-- migrate:down\nalter table users rename column years to age;\n' \
    >"$MIG/20261201000001_rename_age.sql"
  run --separate-stderr migrate
  assert_success
  [[ "$stderr" == *"lint: $MIG/20261201000001_rename_age.sql:2 squawk-ignore renaming-column"* ]]
  run --separate-stderr migrate lint --pending
  assert_success
  assert_line --index -1 'ok: 0 file(s) in the 0 pending lint clean (squawk; rules in .squawk.toml)'
}

@test "lint: LearnFlow's migrations are clean; a CONCURRENTLY index in a transaction names dbmate's way out" {
  run --separate-stderr migrate lint
  assert_success
  assert_line --index -1 "ok: 6 file(s) in $MIG lint clean (squawk; rules in .squawk.toml)"
  printf -- '-- migrate:up\ncreate index concurrently users_name on users (display_name);\n-- migrate:down\ndrop index users_name;\n' \
    >"$MIG/20261201000000_index_name.sql"
  run --separate-stderr migrate lint
  assert_failure 1
  assert_line --index 0 --partial '20261201000000_index_name.sql:2 ban-concurrent-index-creation-in-transaction: '
  assert_line --index 0 --partial 'first line is "-- migrate:up transaction:false"'
  sed -i '1s/.*/-- migrate:up transaction:false/' "$MIG/20261201000000_index_name.sql"
  run --separate-stderr migrate lint
  assert_success
  run --separate-stderr migrate lint --allow 'Bad Rule'
  assert_failure 2
}
