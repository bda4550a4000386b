-- migrate:up
-- Where each student stands in each part of the curriculum: one row per (student, module or topic),
-- so "continue where I left off" and a teacher's class overview are single index lookups.
-- Both references cascade: progress means nothing without its student or its curriculum entry.
create table progress (
  user_id        bigint not null references users (id) on delete cascade,
  curriculum_id  bigint not null references curriculum (id) on delete cascade,
  status         text not null default 'not_started' check (status in ('not_started', 'in_progress', 'completed')),
  -- Share of the part's exercises passed, 0 to 100.
  percent        numeric(5, 2) not null default 0 check (percent between 0 and 100),
  attempts       integer not null default 0 check (attempts >= 0),
  started_at     timestamptz,
  completed_at   timestamptz,
  updated_at     timestamptz not null default now(),
  primary key (user_id, curriculum_id),
  constraint progress_completed check ((status = 'completed') = (completed_at is not null)),
  constraint progress_started check (status = 'not_started' or started_at is not null)
);

-- Who is working on a given module or topic (teacher views); the primary key covers per-student reads.
create index progress_curriculum_idx on progress (curriculum_id, status);

create trigger progress_set_updated_at before update on progress
  for each row execute function set_updated_at();

-- migrate:down
drop table progress;
