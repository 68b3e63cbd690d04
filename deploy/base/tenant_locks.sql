-- Deploy platform:base/tenant_locks to pg
-- The one way package code serializes work inside an organization (hardening issue, items 3 and 4).
--
-- Advisory locks are open to every role and their keys are guessable, so a caller could hold a
-- key and stall another tenant's work. Instead, package code writes a row of a table no API role
-- can read, lock or write: internal.serialize_tenant(organization, scope) upserts the row
-- (organization_id, scope) and bumps its version, which
--   * under READ COMMITTED queues the second transaction behind the first until it ends, so the
--     check that follows sees the first one's committed rows;
--   * under REPEATABLE READ and SERIALIZABLE makes the second transaction fail with 40001
--     (could not serialize access due to concurrent update) instead of checking an old snapshot,
--     so an invariant that spans rows holds at every isolation level.
-- The lock lasts until the transaction ends. Scopes are short literals chosen by package code
-- ('owners', 'task_dependencies', ...); the rows stay, one per organization and scope.

begin;

create table internal.tenant_locks (
  organization_id uuid        not null,
  scope           text        not null,
  version         bigint      not null default 0,
  locked_at       timestamptz not null default now(),
  constraint tenant_locks_pkey primary key (organization_id, scope),
  constraint tenant_locks_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint tenant_locks_scope_check check (scope ~ '^[a-z][a-z0-9_]{0,62}$')
);

comment on table internal.tenant_locks is
  'One row per organization and serialization scope; package code updates it to serialize a cross-row check (internal.serialize_tenant). No API role may read, lock or write it.';
comment on column internal.tenant_locks.scope is 'What is serialized, e.g. owners or task_dependencies; a literal of package code.';
comment on column internal.tenant_locks.version is 'Bumped by every serialize_tenant call: the write that makes concurrent REPEATABLE READ transactions conflict.';
comment on column internal.tenant_locks.locked_at is 'When the scope was last taken.';

alter table internal.tenant_locks enable row level security;
create policy all_service_role on internal.tenant_locks
  for all to service_role using (true) with check (true);
comment on policy all_service_role on internal.tenant_locks is
  'The policy every table declares for service_role; here it grants nothing, because no API role holds any privilege on this table.';

create function internal.serialize_tenant(p_organization_id uuid, p_scope text)
returns void
language plpgsql
volatile
strict
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into internal.tenant_locks as l (organization_id, scope)
  values (p_organization_id, p_scope)
  on conflict on constraint tenant_locks_pkey
  do update set version = l.version + 1, locked_at = now();
end
$$;
comment on function internal.serialize_tenant(uuid, text) is
  'Serializes the calling transaction with every other one that takes the same organization and scope, until it ends: waits under READ COMMITTED, fails with 40001 under REPEATABLE READ or SERIALIZABLE when another one got there first. 23503 for an organization that does not exist, 23514 for a malformed scope.';
revoke execute on function internal.serialize_tenant(uuid, text) from public;

commit;
