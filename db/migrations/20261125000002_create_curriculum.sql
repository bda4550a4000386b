-- migrate:up
-- The Python curriculum as a tree: modules at the top, topics inside them. One table rather than two
-- because progress and exercises point at "a place in the curriculum" either way, and a learning
-- path is simply the order of modules and of topics within each (position).
-- Slugs are the stable, human-readable keys seed files and URLs use; they never change once
-- published, so they are unique across the whole curriculum.
create table curriculum (
  id          bigint generated always as identity primary key,
  slug        text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  kind        text not null check (kind in ('module', 'topic')),
  -- Deleting a module deletes its topics: a topic has no meaning outside its module.
  parent_id   bigint references curriculum (id) on delete cascade,
  title       text not null check (length(btrim(title)) between 1 and 200),
  summary     text not null default '',
  position    integer not null check (position >= 0),
  published   boolean not null default false,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  -- Modules are roots, topics always sit in a module.
  constraint curriculum_kind_parent check ((kind = 'module') = (parent_id is null)),
  -- One position per sibling list; deferrable so a reorder can swap two positions in one transaction.
  constraint curriculum_position_key unique nulls not distinct (parent_id, position) deferrable initially immediate
);

create index curriculum_parent_idx on curriculum (parent_id);

create trigger curriculum_set_updated_at before update on curriculum
  for each row execute function set_updated_at();

-- migrate:down
drop table curriculum;
