-- migrate:up
-- A coding exercise belongs to one topic. Its test cases are a JSON array the grader runs
-- ([{"input": ..., "expected": ..., "hidden": bool}]); kept with the exercise because they are
-- always read and edited together and never queried one by one.
-- A topic that still has exercises cannot be deleted (restrict): losing exercises, and with them the
-- submissions that point at them, must be a deliberate act, not a side effect.
create table exercises (
  id            bigint generated always as identity primary key,
  slug          text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  topic_id      bigint not null references curriculum (id) on delete restrict,
  title         text not null check (length(btrim(title)) between 1 and 200),
  prompt        text not null check (length(btrim(prompt)) > 0),
  starter_code  text not null default '',
  test_cases    jsonb not null default '[]' check (jsonb_typeof(test_cases) = 'array'),
  difficulty    smallint not null default 1 check (difficulty between 1 and 5),
  position      integer not null default 0 check (position >= 0),
  published     boolean not null default false,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);

-- The exercises of a topic, in order: the page every student opens.
create index exercises_topic_idx on exercises (topic_id, position);

create trigger exercises_set_updated_at before update on exercises
  for each row execute function set_updated_at();

-- migrate:down
drop table exercises;
