-- migrate:up
-- Raised when the tutor sees a student stuck (repeated failures, long inactivity, an explicit ask
-- for help), for a teacher to act on. An alert is open, then acknowledged, then resolved.
-- Deleting the student deletes their alerts; deleting the teacher leaves the alert unassigned
-- (set null) so nobody's call for help disappears with a staff change.
create table struggle_alerts (
  id               bigint generated always as identity primary key,
  student_id       bigint not null references users (id) on delete cascade,
  teacher_id       bigint references users (id) on delete set null,
  exercise_id      bigint references exercises (id) on delete set null,
  curriculum_id    bigint references curriculum (id) on delete set null,
  reason           text not null check (reason in ('repeated_failures', 'inactivity', 'help_requested', 'tutor_flagged')),
  severity         smallint not null default 2 check (severity between 1 and 3),
  details          text not null default '',
  status           text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  created_at       timestamptz not null default now(),
  acknowledged_at  timestamptz,
  resolved_at      timestamptz,
  updated_at       timestamptz not null default now(),
  constraint struggle_alerts_resolved check ((status = 'resolved') = (resolved_at is not null)),
  constraint struggle_alerts_acknowledged check (status = 'open' or acknowledged_at is not null),
  constraint struggle_alerts_not_self check (teacher_id is null or teacher_id <> student_id)
);

-- A teacher's open alerts, most severe and oldest first: the dashboard query.
create index struggle_alerts_teacher_open_idx on struggle_alerts (teacher_id, severity desc, created_at) where status <> 'resolved';
-- A student's alert history, and the foreign keys' lookups.
create index struggle_alerts_student_idx on struggle_alerts (student_id, created_at desc);
create index struggle_alerts_exercise_idx on struggle_alerts (exercise_id) where exercise_id is not null;
create index struggle_alerts_curriculum_idx on struggle_alerts (curriculum_id) where curriculum_id is not null;
-- At most one unresolved alert per student, exercise and reason: the tutor re-flagging does not pile up.
create unique index struggle_alerts_one_open_key on struggle_alerts (student_id, coalesce(exercise_id, 0), reason) where status <> 'resolved';

create trigger struggle_alerts_set_updated_at before update on struggle_alerts
  for each row execute function set_updated_at();

-- migrate:down
drop table struggle_alerts;
