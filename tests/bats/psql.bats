#!/usr/bin/env bats
# psql.ts: SQL as the app user in the pod, read-only unless --write, psql's table or JSON rows.
load test_helper

setup() {
  start_cluster
  node --import tsx "$ROOT/scripts/deploy.ts" >/dev/null 2>&1
  pod_psql -c "create table topics (id int primary key, title text, note text)" \
    -c "insert into topics values (1, 'loops', null), (2, 'a, \"quoted\"', ''), (3, 'two
lines', 'x')"
}
teardown() { stop_cluster; }

psql_() { node --import tsx "$ROOT/scripts/psql.ts" "$@"; }
count() { pod_psql -c 'select count(*) from topics'; }
# The exec calls, as the sim recorded their argv.
exec_calls() { jq -c 'select(.tool == "kubectl" and .argv[0] == "exec")' "$CLUSTER/calls.jsonl"; }

@test "reads: psql's table on stdout, the verdict last; the SQL and the password went in on stdin, not an argv" {
  : >"$CLUSTER/calls.jsonl"
  run --separate-stderr psql_ -c 'select id, title from topics where id = 1' -c 'select count(*) from topics'
  assert_success
  assert_output " id | title 
----+-------
  1 | loops
(1 row)

 count 
-------
     3
(1 row)

ok: 2 requests ran in postgres/postgresql-0 (read-only)"
  [ -n "$(exec_calls)" ]
  ! grep -qF 'from topics' "$CLUSTER/calls.jsonl"
  ! grep -qF -- "$(kubectl get secret postgresql-credentials -n postgres -o jsonpath='{.data.password}' | base64 -d)" "$CLUSTER/calls.jsonl"
}

@test "a write without --write is refused by the server: exit 1, data unchanged, the fix reruns it with --write" {
  run --separate-stderr psql_ -c "delete from topics"
  assert_failure 1
  [ "$stderr" = "error: -c #1 (\"delete from topics\") writes, and db:psql is read-only unless --write: SQLSTATE 25006: cannot execute DELETE in a read-only transaction; nothing was changed (fix: npm run -s db:psql -- -c 'delete from topics' --write)" ]
  [ "$(count)" = 3 ]
  run --separate-stderr psql_ --json -c "update topics set note = 'y'"
  assert_failure 1
  [ "$(jq -r '[.ok, .status, .readOnly, .sqlError.sqlstate] | join(" ")' <<<"$output")" = "false read-only true 25006" ]
  [ "$(pod_psql -c "select count(*) from topics where note = 'y'")" = 0 ]
  # The printed fix works as printed.
  run --separate-stderr psql_ -c 'delete from topics' --write
  assert_success
  assert_output "DELETE 3
ok: 1 request ran in postgres/postgresql-0 (changes committed)"
  [ "$(count)" = 0 ]
}

@test "SQL that would switch read-only off, or a psql command that runs a program, is refused before anything runs" {
  : >"$CLUSTER/calls.jsonl"
  for sql in 'set default_transaction_read_only = off; delete from topics' 'begin read write; delete from topics' \
    "select set_config('transaction_read_only', 'off', false)" '\! rm -rf /bitnami' '\o /tmp/x'; do
    run --separate-stderr psql_ -c "$sql"
    assert_failure 2
    [[ "$stderr" == *", and db:psql is read-only unless --write; nothing ran (fix: npm run -s db:psql -- -c "*" --write)" ]]
  done
  [ -z "$(exec_calls)" ]
  [ "$(count)" = 3 ]
}

@test "--json: columns, rows with NULLs and text as stored, rowCount, truncation at --max-rows, one result per -c" {
  run --separate-stderr psql_ --json -c 'select id, title, note from topics order by id' --max-rows 2
  assert_success
  [ "$(jq -c '[.ok, .status, .columns, .rowCount, .truncated, (.rows | length)]' <<<"$output")" = '[true,"ok",["id","title","note"],3,true,2]' ]
  [ "$(jq -c '.rows' <<<"$output")" = '[{"id":"1","title":"loops","note":null},{"id":"2","title":"a, \"quoted\"","note":""}]' ]
  run --separate-stderr psql_ --json -c "select title from topics where id = 3" -c 'select count(*), count(*) from topics' -c "select 1 where false"
  assert_success
  [ "$(jq -c '[.results[0].rows[0].title, .results[1].columns, .columns, .rowCount, .completed]' <<<"$output")" = '["two\nlines",["count","count_2"],["?column?"],0,3]' ]
  PG_PSQL_MAX_ROWS=1 run --separate-stderr psql_ --json -c 'select * from topics'
  [ "$(jq -c '[(.rows | length), .truncated]' <<<"$output")" = '[1,true]' ]
}

@test "an SQL error: exit 1 with SQLSTATE and position; what ran before it is said, and --single-transaction keeps none" {
  run --separate-stderr psql_ -c 'select 1' -c 'select title
  from topcs'
  assert_failure 1
  [ "$stderr" = "error: -c #2 (\"select title from topcs\") failed: SQLSTATE 42P01: relation \"topcs\" does not exist (statement line 2, column 8); nothing was changed (the session is read-only) (fix: correct the SQL, then run it again)" ]
  run --separate-stderr psql_ --json -c 'select nope from topics'
  [ "$(jq -c '[.status, .sqlError.sqlstate, .sqlError.line, .sqlError.column]' <<<"$output")" = '["sql-error","42703",1,8]' ]
  run --separate-stderr psql_ --write -c 'delete from topics where id = 1' -c 'delete from topcs'
  assert_failure 1
  [[ "$stderr" == *"; 1 request before it ran and stays committed (fix: correct the SQL, then run it again)" ]]
  [ "$(count)" = 2 ]
  run --separate-stderr psql_ --write --single-transaction -c 'delete from topics where id = 2' -c 'delete from topcs'
  assert_failure 1
  [[ "$stderr" == *"; nothing was committed (one transaction, rolled back)"* ]]
  [ "$(count)" = 2 ]
}

@test "-f runs a file as a script, stdin too; with --json a file is one request whose last result is shown" {
  printf 'select count(*) as n from topics;\n\\echo between\nselect max(id) as top from topics;\n' >"$BATS_TEST_TMPDIR/q.sql"
  run --separate-stderr psql_ -f "$BATS_TEST_TMPDIR/q.sql"
  assert_success
  assert_line --index 4 'between'
  assert_line --index 7 '   3'
  run --separate-stderr psql_ < "$BATS_TEST_TMPDIR/q.sql"
  assert_success
  assert_line --index 4 'between'
  run --separate-stderr psql_ --json -f - < <(printf 'select 1 as a;\nselect title from topics where id = 1;\n')
  assert_success
  [ "$(jq -c '[.columns, .rows]' <<<"$output")" = '[["title"],[{"title":"loops"}]]' ]
  printf 'select 1;\n\nselect * from\n nope;\n' >"$BATS_TEST_TMPDIR/bad.sql"
  run --separate-stderr psql_ -f "$BATS_TEST_TMPDIR/bad.sql"
  assert_failure 1
  [[ "$stderr" == "error: $BATS_TEST_TMPDIR/bad.sql failed: SQLSTATE 42P01: relation \"nope\" does not exist (file line 4; statement line 2, column 2);"* ]]
  run --separate-stderr psql_ -f "$BATS_TEST_TMPDIR/none.sql"
  assert_failure 2
  [ "$stderr" = "error: --file $BATS_TEST_TMPDIR/none.sql does not exist; nothing ran (fix: npm run -s db:psql -- -f PATH-TO-A-SQL-FILE)" ]
  run --separate-stderr psql_ -c 'select 1' -f "$BATS_TEST_TMPDIR/q.sql"
  assert_failure 2
  run --separate-stderr psql_ --json < /dev/null
  assert_failure 2
  [ "$(jq -r .error.message <<<"$output")" = 'the SQL on stdin has no SQL; nothing ran' ]
}

# The app user's sessions of db:psql still on the server.
psql_sessions() { pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%-psql'"; }

@test "past --timeout the server cancels the statement: exit 3, the fix raises the limit, no session left" {
  run --separate-stderr psql_ -c 'select pg_sleep(30)' --timeout 1s
  assert_failure 3
  [ "$stderr" = "error: -c #1 (\"select pg_sleep(30)\") ran past the time limit of 1s and was cancelled in postgres/postgresql-0; nothing was changed (the session is read-only) (fix: npm run -s db:psql -- -c 'select pg_sleep(30)' --timeout 30m)" ]
  [ "$(psql_sessions)" = 0 ]
}

@test "Ctrl-C during a long write: exit 130, its session ended in the pod and its change rolled back" {
  node --import tsx "$ROOT/scripts/psql.ts" --write -c "update topics set note = 'changed'; select pg_sleep(60)" \
    >/dev/null 2>&1 3>&- &
  pid=$!
  wait_until 1 psql_sessions
  interrupt "$pid"
  [ "$status" = 130 ]
  wait_until 0 psql_sessions
  [ "$(pod_psql -c "select count(*) from topics where note = 'changed'")" = 0 ]
}

@test "at a terminal with no SQL: an interactive psql in the pod (kubectl exec -it), read-only too" {
  run script -qec "stty rows 50 cols 200; node --import tsx $ROOT/scripts/psql.ts" /dev/null \
    < <(printf 'select 6*7 as answer;\ndelete from topics;\n\\q\n')
  assert_success
  assert_output --partial 'learnflow=> select 6*7 as answer;'
  assert_output --partial '     42'
  assert_output --partial 'cannot execute DELETE in a read-only transaction'
  [ "$(count)" = 3 ]
  jq -se 'any(.[]; .tool == "kubectl" and .argv[0:3] == ["exec", "-i", "-t"])' "$CLUSTER/calls.jsonl" >/dev/null
  # A terminal on stdin but not on stdout is no place for a session.
  run script -qec "node --import tsx $ROOT/scripts/psql.ts >$BATS_TEST_TMPDIR/out 2>&1" /dev/null < /dev/null
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = "error: no SQL given: stdin is a terminal and there is no -c or -f (fix: npm run -s db:psql -- -c 'select 1')" ]
}

@test "other names (--release ldb -n other) and the fix carries them; not deployed says so with the fix" {
  node --import tsx "$ROOT/scripts/deploy.ts" --release ldb -n other >/dev/null 2>&1
  run --separate-stderr psql_ --release ldb -n other -c 'select current_database()'
  assert_success
  assert_line --index 2 ' learnflow'
  assert_line --index 4 'ok: 1 request ran in other/ldb-postgresql-0 (read-only)'
  run --separate-stderr psql_ --release ldb -n other -c 'create table x (a int)'
  assert_failure 1
  [[ "$stderr" == *"(fix: PG_NAMESPACE=other PG_RELEASE=ldb npm run -s db:psql -- --release ldb -n other -c 'create table x (a int)' --write)" ]]
  run --separate-stderr psql_ -n nowhere -c 'select 1'
  assert_failure 3
  [ "$stderr" = "error: pod nowhere/postgresql-0 not found (is PostgreSQL deployed?); the SQL did not start (fix: PG_NAMESPACE=nowhere npm run -s db:deploy)" ]
}

@test "the truth about transactions the SQL runs itself: one left open rolled back, its own COMMITs named" {
  run --separate-stderr psql_ --write -c 'begin' -c "insert into topics values (303, 'x', 'x')"
  assert_failure 1
  [ "$stderr" = "error: the SQL left a transaction open (BEGIN without COMMIT), so it rolled back when psql ended: what ran in it was not committed (fix: end the SQL with COMMIT, or use --single-transaction instead of BEGIN)" ]
  [ "$(count)" = 3 ]
  run --separate-stderr psql_ --write -c 'begin' -c "insert into topics values (301, 'x', 'x')" -c 'select * from nope'
  assert_failure 1
  [[ "$stderr" == *"-c #3 (\"select * from nope\") failed: SQLSTATE 42P01"*"; what the SQL's own COMMITs (or statements outside its transactions) did before the error stays; an open transaction rolled back"* ]]
  [ "$(count)" = 3 ]
  # A request that is a psql command only still counts, so the failing one is named right.
  run --separate-stderr psql_ --write -c '\echo x' -c "insert into topics values (20, 'x', 'x')" -c 'select * from nope'
  assert_failure 1
  [[ "$stderr" == "error: -c #3 (\"select * from nope\") failed: "*"; 2 requests before it ran and stay committed (fix: "* ]]
  [ "$(count)" = 4 ]
}

@test "Ctrl-C ends the session by its pid, even when the SQL renames it; the SQL's own statement_timeout is its error" {
  node --import tsx "$ROOT/scripts/psql.ts" --write -c "set application_name = 'myjob'" \
    -c "update topics set note = 'changed'; select pg_sleep(30)" >/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- &
  pid=$!
  myjob() { pod_psql -c "select count(*) from pg_stat_activity where application_name = 'myjob' and state = 'active'"; }
  wait_until 1 myjob
  interrupt "$pid"
  [ "$status" = 130 ]
  [ "$(tail -1 "$BATS_TEST_TMPDIR/err")" = 'interrupted: the SQL session in postgres/postgresql-0 was ended; what it had not committed rolled back' ]
  wait_until 0 myjob || true
  [ "$(pod_psql -c "select count(*) from topics where note = 'changed'")" = 0 ]
  run --separate-stderr psql_ -c "set statement_timeout = '10ms'" -c 'select pg_sleep(1)'
  assert_failure 1
  [[ "$stderr" == 'error: -c #2 ("select pg_sleep(1)") failed: SQLSTATE 57014: canceling statement due to statement timeout;'* ]]
}

@test "--json takes SQL only; psql's own errors, notices and the guard's harder cases" {
  run --separate-stderr psql_ --json -c '\dt'
  assert_failure 2
  [ "$(jq -r .error.message <<<"$output")" = "-c #1 (\"\\\\dt\") has a psql backslash command or COPY … TO STDOUT, whose output is no result table; with --json, SQL only; nothing ran" ]
  run --separate-stderr psql_ --json -c "copy (select 1) to stdout"
  assert_failure 2
  run --separate-stderr psql_ -c '\i /nonexistent.sql'
  assert_failure 1
  [ "$stderr" = 'error: psql could not run -c #1 ("\\i /nonexistent.sql"): /nonexistent.sql: No such file or directory; nothing was changed (the session is read-only) (fix: correct the psql command, then run it again)' ]
  run --separate-stderr psql_ --write -c "do \$\$ begin raise notice 'hello'; end \$\$"
  assert_success
  [[ "$stderr" == *'NOTICE:  00000: hello'* ]]
  for sql in 'begin read/**/write; delete from topics; commit' '\echo `touch /tmp/pgk8s-pwned`' \
    "select lo_from_bytea(0, 'x')" 'select 1;\! true'; do
    run --separate-stderr psql_ -c "$sql"
    assert_failure 2
  done
  [ "$(count)" = 3 ]
}
