-- migrate:up
-- Every attempt a student makes at an exercise, with its grading. Rows are only ever added and then
-- graded once, so there is no updated_at: submitted_at and graded_at tell the whole story.
-- Deleting a user deletes their submissions (their work is theirs: account deletion must not leave
-- it behind); an exercise with submissions cannot be deleted (restrict), history must not vanish.
create table submissions (
  id            bigint generated always as identity primary key,
  user_id       bigint not null references users (id) on delete cascade,
  exercise_id   bigint not null references exercises (id) on delete restrict,
  code          text not null check (length(code) <= 100000),
  status        text not null default 'pending' check (status in ('pending', 'running', 'passed', 'failed', 'error')),
  -- Percentage of test cases passed; null until graded.
  score         numeric(5, 2) check (score between 0 and 100),
  tests_passed  integer check (tests_passed >= 0),
  tests_total   integer check (tests_total >= 0),
  feedback      text,
  submitted_at  timestamptz not null default now(),
  graded_at     timestamptz,
  -- Graded means a score and a time; waiting means neither.
  constraint submissions_graded check (
    (status in ('pending', 'running') and score is null and graded_at is null)
    or (status in ('passed', 'failed', 'error') and score is not null and graded_at is not null)
  ),
  constraint submissions_tests check (tests_passed is null or tests_total is null or tests_passed <= tests_total)
);

-- A student's attempts at one exercise, newest first: the tutor's main question.
create index submissions_user_exercise_idx on submissions (user_id, exercise_id, submitted_at desc);
-- All attempts at an exercise (how hard is it?), and the foreign key's own lookups.
create index submissions_exercise_idx on submissions (exercise_id, submitted_at desc);
-- The grader's queue.
create index submissions_waiting_idx on submissions (submitted_at) where status in ('pending', 'running');

-- migrate:down
drop table submissions;
