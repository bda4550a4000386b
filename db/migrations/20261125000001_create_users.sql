-- migrate:up
-- Everyone who signs in: students, teachers, admins. One role per account keeps authorisation
-- checks a single comparison; a person who is both gets two accounts, which LearnFlow does not need.
-- Emails are unique regardless of case (the unique index is on lower(email)), so "Ana@x.io" and
-- "ana@x.io" cannot both register. Passwords are stored only as hashes, never in clear.

-- Shared by every table with an updated_at column: the database keeps it right, whatever the client.
create function set_updated_at() returns trigger
language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create table users (
  id            bigint generated always as identity primary key,
  email         text not null check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 254),
  display_name  text not null check (length(btrim(display_name)) between 1 and 100),
  role          text not null default 'student' check (role in ('student', 'teacher', 'admin')),
  password_hash text not null check (length(password_hash) >= 20),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);

create unique index users_email_key on users (lower(email));
-- "the teachers" and "the students" are lists the app shows.
create index users_role_idx on users (role);

create trigger users_set_updated_at before update on users
  for each row execute function set_updated_at();

-- migrate:down
drop table users;
drop function set_updated_at();
