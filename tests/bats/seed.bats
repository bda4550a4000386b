#!/usr/bin/env bats
# seed.ts against the simulated cluster and a real PostgreSQL: inserted once, updated on request,
# never half-applied.
load test_helper

setup() {
  start_cluster
  node --import tsx "$ROOT/scripts/deploy.ts" >/dev/null 2>&1
  SEEDS="$BATS_TEST_TMPDIR/seeds"
  cp -r "$ROOT/db/seeds" "$SEEDS"
  SECRETS="$BATS_TEST_TMPDIR/secrets/seed-passwords"
}
teardown() { stop_cluster; }

migrate() { node --import tsx "$ROOT/scripts/migrate.ts" "$@" >/dev/null 2>&1; }
seed() { node --import tsx "$ROOT/scripts/seed.ts" --dir "$SEEDS" --passwords-file "$SECRETS" "$@"; }
# Every row of every LearnFlow table, hashed: equal means the data did not change at all.
data_checksum() {
  pod_psql -c "select md5(string_agg(t, ',' order by t)) from (
    select 'u' || u::text as t from users u union all select 'c' || c::text from curriculum c
    union all select 'e' || e::text from exercises e) s"
}
count() { pod_psql -c "select count(*) from $1"; }

@test "an empty database gets every row; a second run changes nothing" {
  migrate
  run --separate-stderr seed
  assert_success
  assert_output $'users +1 ~0 =0, curriculum +13 ~0 =0, exercises +6 ~0 =0 (+ inserted, ~ updated, = unchanged)\ngenerated password(s) for users admin@learnflow.dev: see '"$SECRETS"$'\nok: 20 inserted, 0 updated, 0 unchanged'
  run pod_psql -c "select t.slug, m.slug from curriculum t join curriculum m on m.id = t.parent_id where t.slug = 'loops'"
  assert_output 'loops|control-flow'
  run pod_psql -c "select count(*), min(jsonb_array_length(test_cases)) from exercises e join curriculum c on c.id = e.topic_id where c.kind = 'topic'"
  assert_output '6|1'
  # The admin's password is stored hashed, and the generated one (in the private file only) matches it.
  [ "$(stat -c %a "$SECRETS")" = 600 ]
  password=$(awk '{print $NF}' "$SECRETS")
  hash=$(pod_psql -c "select password_hash from users where email = 'admin@learnflow.dev'")
  [[ "$hash" == scrypt\$16384\$8\$1\$* ]]
  node --import tsx -e "import('$ROOT/scripts/lib/seed/password-hash.ts').then(m => process.exit(m.verifyPassword('$password', '$hash') ? 0 : 1))"
  ! grep -rq -- "$password" "$ROOT/db" "$CLUSTER/calls.jsonl"
  before=$(data_checksum)
  run --separate-stderr seed
  assert_success
  assert_output $'users +0 ~0 =1, curriculum +0 ~0 =13, exercises +0 ~0 =6 (+ inserted, ~ updated, = unchanged)\nok: 0 inserted, 0 updated, 20 unchanged'
  [ "$(data_checksum)" = "$before" ]
  [ "$(wc -l <"$SECRETS")" = 1 ]
}

@test "--update restores an edited seeded row and leaves a user-created row alone" {
  migrate
  seed >/dev/null 2>&1
  hash=$(pod_psql -c "select password_hash from users where email = 'admin@learnflow.dev'")
  pod_psql -c "update exercises set title = 'Edited', difficulty = 5 where slug = 'fizzbuzz';
               insert into exercises (slug, topic_id, title, prompt) select 'teacher-made', id, 'Mine', 'Do it' from curriculum where slug = 'loops'"
  run --separate-stderr seed
  assert_success
  assert_line --index 0 'users +0 ~0 =1, curriculum +0 ~0 =13, exercises +0 ~0 =6 (+ inserted, ~ updated, = unchanged)'
  run pod_psql -c "select title from exercises where slug = 'fizzbuzz'"
  assert_output 'Edited'
  run --separate-stderr seed --update --json
  assert_success
  [ "$(jq -c '[.mode, .inserted, .updated, .unchanged, (.tables | map(select(.updated > 0)) | map(.table))]' <<<"$output")" = '["update",0,1,19,["exercises"]]' ]
  run pod_psql -c "select title || ' ' || difficulty from exercises where slug in ('fizzbuzz', 'teacher-made') order by slug"
  assert_output $'FizzBuzz 2\nMine 1'
  # An existing account keeps its password through --update.
  [ "$(pod_psql -c "select password_hash from users where email = 'admin@learnflow.dev'")" = "$hash" ]
}

@test "--dry-run reports the same numbers and writes nothing; --only limits the run" {
  migrate
  run --separate-stderr seed --dry-run
  assert_success
  assert_line --index 0 'users +1 ~0 =0, curriculum +13 ~0 =0, exercises +6 ~0 =0 (+ inserted, ~ updated, = unchanged)'
  assert_line --index -1 'ok: dry run: 20 inserted, 0 updated, 0 unchanged; rolled back, nothing changed'
  [ "$(count users) $(count curriculum) $(count exercises)" = "0 0 0" ]
  [ ! -e "$SECRETS" ]
  run --separate-stderr seed --only curriculum
  assert_success
  assert_line --index 0 'curriculum +13 ~0 =0 (+ inserted, ~ updated, = unchanged)'
  [ "$(count users) $(count curriculum) $(count exercises)" = "0 13 0" ]
  run --separate-stderr seed --only nope
  assert_failure 2
}

@test "bad seed data names the file and the row, exits 2, and leaves the database byte for byte as it was" {
  migrate
  seed >/dev/null 2>&1
  pod_psql -c "update exercises set title = 'Edited' where slug = 'shout'"
  before=$(data_checksum)
  bad() { cp "$ROOT/db/seeds/$1" "$SEEDS/$1" && sed -i "$2" "$SEEDS/$1"; }
  bad 30_exercises.yaml 's/    difficulty: 2$/    difficulty: 2\n    hardness: 9/'
  run --separate-stderr seed --update
  assert_failure 2
  [[ "$stderr" == "error: $SEEDS/30_exercises.yaml row 4 (line 45): unknown column \"hardness\" in table exercises; nothing was changed (fix: fix $SEEDS/30_exercises.yaml: the columns are id, slug, "* ]]
  bad 30_exercises.yaml 's/    position: 0$/    position: first/'
  run --separate-stderr seed --update
  assert_failure 2
  [[ "$stderr" == "error: $SEEDS/30_exercises.yaml row 1 (line 8): invalid input syntax for type integer: \"first\" (column position); nothing was changed"* ]]
  bad 30_exercises.yaml 's/    topic: loops$/    topic: loopz/'
  run --separate-stderr seed --update
  assert_failure 2
  [[ "$stderr" == "error: $SEEDS/30_exercises.yaml row 4 (line 45): topic \"loopz\" matches no curriculum.slug; nothing was changed"* ]]
  bad 30_exercises.yaml 's/    difficulty: 3$/    difficulty: 9/'
  run --separate-stderr seed --update
  assert_failure 2
  [[ "$stderr" == "error: $SEEDS/30_exercises.yaml row 6 (line 72): new row for relation \"exercises\" violates check constraint \"exercises_difficulty_check\""* ]]
  bad 30_exercises.yaml 's/^rows:$/rows: [/'
  run --separate-stderr seed --update
  assert_failure 2
  [[ "$stderr" == "error: $SEEDS/30_exercises.yaml: not valid YAML at line "* ]]
  [ "$(data_checksum)" = "$before" ]
}

@test "a bulk JSON file goes in while it is sent: a bad row late in it is named and nothing changes" {
  migrate
  rm "$SEEDS"/*.yaml
  # 5000 users, in runs: the broken rows come long after the first run went in.
  bulk() {
    node -e 'const [n, role, dup] = process.argv.slice(1);
      const rows = Array.from({ length: 5000 }, (_, i) => ({ email: `s${i}@bulk.dev`, display_name: `S ${i}`, role: "student", password_hash: "h".repeat(40) }));
      if (role) rows[4699].role = role;
      if (dup) rows[4899].email = rows[9].email;
      process.stdout.write(JSON.stringify({ table: "users", key: "email", rows }));' -- 5000 "$@" >"$SEEDS/10_users.json"
  }
  before=$(data_checksum)
  bulk wizard
  run --separate-stderr seed
  assert_failure 2
  [[ "$stderr" == "error: $SEEDS/10_users.json row 4700: new row for relation \"users\" violates check constraint \"users_role_check\""* ]]
  bulk "" dup
  run --separate-stderr seed
  assert_failure 2
  [[ "$stderr" == "error: $SEEDS/10_users.json: rows 10 and 4900 have the same key (email); nothing was changed"* ]]
  [ "$(data_checksum)" = "$before" ]
  bulk
  run --separate-stderr seed
  assert_success
  assert_output --partial 'users +5000 ~0 =0'
  run --separate-stderr seed
  assert_output --partial 'users +0 ~0 =5000'
}

@test "before migrations, seeding is refused with the command to run" {
  run --separate-stderr seed
  assert_failure 1
  assert_output ''
  [[ "$stderr" == 'error: the schema is missing: no migration is applied, so there is nothing to seed into (fix: npm run -s db:migrate)' ]]
  migrate
  node --import tsx "$ROOT/scripts/migrate.ts" rollback >/dev/null 2>&1
  run --separate-stderr seed
  assert_failure 1
  [[ "$stderr" == 'error: the schema is behind: 1 migration(s) not applied (20261125000006) (fix: npm run -s db:migrate)' ]]
  [ "$(count users)" = 0 ]
}

# A generated password whose plaintext is not saved is lost for good: it is written (0600, flushed)
# before COMMIT, and a failure to write it rolls everything back.
@test "a passwords file that cannot be written: nothing is committed, one line says why" {
  migrate
  mkdir -p "$SECRETS"
  run --separate-stderr seed
  assert_failure 3
  [[ "$stderr" == *"error: could not save the generated passwords to $SECRETS (EISDIR: it is a directory); nothing was seeded (the transaction rolled back) (fix: npm run -s db:seed -- --passwords-file $SECRETS/seed-passwords)"* ]]
  [ "$(count users)" = 0 ]
  [ "$(count curriculum)" = 0 ]
  # An existing file readable by others is tightened to 0600 before a password goes in.
  rmdir "$SECRETS"
  install -m 644 /dev/null "$SECRETS"
  run --separate-stderr seed
  assert_success
  [[ "$stderr" == *"$SECRETS was readable by others (644): tightened to 0600"* ]]
  [ "$(stat -c %a "$SECRETS")" = 600 ]
  [ "$(wc -l <"$SECRETS")" = 1 ]
}

@test "a full volume while seeding is volume-full (exit 3, nothing changed), never bad data" {
  migrate
  pod_psql -c "create table filler as select g, md5(g::text) from generate_series(1, 300000) g"
  sim fault disk-full 100
  run --separate-stderr seed
  sim clear
  assert_failure 3
  [[ "$stderr" == *"error: the database volume is full: "*"; nothing was changed (volume-full) (fix: grow the volume (npm run -s db:verify names the command), then seed again)" ]] || { echo "$stderr"; false; }
  [ "$(pod_psql -c 'select count(*) from users')" = 0 ]
}

@test "Ctrl-C while seeding ends the seed's session in the pod: its transaction rolls back, nothing changed" {
  migrate
  before=$(data_checksum)
  # Another session holds users, so the seed waits inside its transaction.
  pod_psql -c "begin; lock table users in exclusive mode; select pg_sleep(6); commit" >/dev/null 3>&- &
  blocker=$!
  set -m
  node --import tsx "$ROOT/scripts/seed.ts" --dir "$SEEDS" --passwords-file "$SECRETS" 2>"$BATS_TEST_TMPDIR/err" >/dev/null 3>&- &
  pid=$!
  set +m
  wait_until 1 pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%' and wait_event_type = 'Lock'"
  interrupt "$pid"
  [ "$status" = 130 ] || { echo "status $status"; cat "$BATS_TEST_TMPDIR/err"; false; }
  grep -q "interrupted: the seed in .* was stopped (its session ended, its transaction rolled back); nothing changed" "$BATS_TEST_TMPDIR/err" || { cat "$BATS_TEST_TMPDIR/err"; false; }
  run pod_psql -c "select count(*) from pg_stat_activity where application_name like 'pgk8s-%'"
  assert_output 0
  wait "$blocker"
  [ "$(data_checksum)" = "$before" ]
}
