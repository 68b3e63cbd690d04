-- Deploy platform:base/organization_members to pg
-- Who belongs to which organization, with which role, and the rules no client can bypass:
--   * memberships are created only by trusted code: base.create_organization (the founder
--     becomes owner), base.accept_invitation (the invited user, as themselves) and service_role;
--     end users hold no INSERT privilege (base/access_policies);
--   * only admins and owners change or remove members (RLS, and the guard trigger);
--   * only owners grant the owner role or touch an owner's membership;
--   * nobody raises their own role;
--   * an organization always keeps at least one owner, at every isolation level, also when two
--     sessions demote or remove two owners at the same moment (internal.serialize_tenant).

begin;

create table base.organization_members (
  organization_id  uuid                    not null,
  id               uuid                    not null default base.uuid_generate_v7(),
  user_id          uuid                    not null,
  role             base.organization_role  not null default 'member',
  invited_by       uuid,
  created_at       timestamptz             not null default now(),
  updated_at       timestamptz             not null default now(),
  constraint organization_members_pkey primary key (organization_id, id),
  constraint organization_members_organization_id_user_id_key unique (organization_id, user_id),
  constraint organization_members_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint organization_members_user_id_fkey foreign key (user_id)
    references base.users (id) on delete cascade,
  constraint organization_members_invited_by_fkey foreign key (invited_by)
    references base.users (id) on delete set null
);

-- The policies' hot path: "which organizations does this user hold at least this role in",
-- answered from the index alone.
create index organization_members_user_id_idx
  on base.organization_members (user_id, role) include (organization_id);
create index organization_members_invited_by_idx
  on base.organization_members (invited_by) where invited_by is not null;

comment on table base.organization_members is
  'Membership of users in organizations with their role. Every organization keeps at least one owner.';
comment on column base.organization_members.role is
  'viewer reads; member writes module data; admin manages settings and members; owner manages everything, owners included.';
comment on column base.organization_members.invited_by is 'The user whose invitation this member accepted (base.organization_invitations), if any.';

create trigger _100_set_updated_at
  before update on base.organization_members
  for each row execute function base.tg__set_updated_at();

-- Rules about who may change or remove a membership. Runs only for an authenticated user (a JWT
-- subject is set); trusted services and the owner role act without one.
--
-- SECURITY INVOKER on purpose: a BEFORE ROW trigger runs before RLS checks the new row, so a
-- definer trigger could read (and reveal, in a message or by which error it raises) rows of an
-- organization the caller does not belong to. As the caller it sees only what the caller may see:
-- the UPDATE and DELETE rows that reach it already passed the policies' USING clause, and the
-- caller's own role is read through the select_member policy. Inserts are not guarded here: no
-- end user holds INSERT on the table, only trusted code (create_organization, accept_invitation,
-- service_role) adds members.
create function internal.tg_organization_members__guard_roles()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_actor      uuid := base.current_user_id();
  v_org        uuid := old.organization_id;
  v_actor_role base.organization_role;
begin
  if tg_op = 'UPDATE' and (new.organization_id <> old.organization_id or new.user_id <> old.user_id) then
    raise exception 'a membership cannot move to another organization or user'
      using errcode = '22023', hint = 'Delete the membership and add a new one.';
  end if;

  if v_actor is null then
    return case when tg_op = 'DELETE' then old else new end;
  end if;

  -- Deleting an organization cascades to its members: the decision was the organization's
  -- delete policy (owners only), not a membership change. (The cascade runs as the table owner.)
  if tg_op = 'DELETE' and not exists (select from base.organizations as o where o.id = old.organization_id) then
    return old;
  end if;

  select m.role into v_actor_role
    from base.organization_members as m
   where m.organization_id = v_org and m.user_id = v_actor;

  if tg_op = 'UPDATE' then
    if new.role is not distinct from old.role then
      return new;
    end if;
    if old.user_id = v_actor and new.role > old.role then
      raise exception 'nobody may raise their own role (from % to %)', old.role, new.role
        using errcode = '42501', hint = 'Ask an owner of the organization.';
    end if;
    if v_actor_role is null or v_actor_role < 'admin' then
      raise exception 'only admins and owners of organization % may change roles', v_org
        using errcode = '42501';
    end if;
    if (new.role = 'owner' or old.role = 'owner') and v_actor_role <> 'owner' then
      raise exception 'only owners of organization % may grant or change the owner role', v_org
        using errcode = '42501';
    end if;
    return new;
  end if;

  -- DELETE: anyone may leave; removing someone else takes an admin, and an owner takes an owner.
  if old.user_id <> v_actor then
    if v_actor_role is null or v_actor_role < 'admin' then
      raise exception 'only admins and owners of organization % may remove members', v_org
        using errcode = '42501';
    end if;
    if old.role = 'owner' and v_actor_role <> 'owner' then
      raise exception 'only owners of organization % may remove an owner', v_org
        using errcode = '42501';
    end if;
  end if;
  return old;
end
$$;

comment on function internal.tg_organization_members__guard_roles() is
  'BEFORE UPDATE OR DELETE trigger on organization_members, SECURITY INVOKER (sees only what the caller may see): enforces who may change and remove members (42501) and that memberships never move (22023).';
revoke execute on function internal.tg_organization_members__guard_roles() from public;

create trigger _200_guard_roles
  before update or delete on base.organization_members
  for each row execute function internal.tg_organization_members__guard_roles();

-- An organization always keeps an owner. The check takes internal.serialize_tenant(org, 'owners')
-- before it counts: under READ COMMITTED a second owner stepping down at the same moment waits
-- for the first transaction and counts again with its result; under REPEATABLE READ and
-- SERIALIZABLE, where a snapshot taken before the first one committed would still count it as an
-- owner, the second fails with 40001 instead. (A row lock on the organization serialized the two
-- but let a REPEATABLE READ snapshot count an owner who had already stepped down.)
-- An AFTER trigger, so it runs only for rows RLS already accepted; SECURITY DEFINER because it
-- counts every owner and takes the private tenant lock.
create function internal.tg_organization_members__keep_an_owner()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if old.role <> 'owner' or (tg_op = 'UPDATE' and new.role = 'owner') then
    return null;
  end if;

  if not exists (select from base.organizations as o where o.id = old.organization_id) then
    return null;  -- the organization itself is being deleted: its members go with it
  end if;

  perform internal.serialize_tenant(old.organization_id, 'owners');

  if not exists (select from base.organization_members as m
                  where m.organization_id = old.organization_id and m.role = 'owner') then
    raise exception 'organization % must keep at least one owner', old.organization_id
      using errcode = '55000', hint = 'Make another member an owner first.';
  end if;
  return null;
end
$$;

comment on function internal.tg_organization_members__keep_an_owner() is
  'AFTER trigger on organization_members: refuses (55000) to leave an organization without an owner; serialized per organization by internal.serialize_tenant(org, ''owners''), so a concurrent step-down waits and re-counts (READ COMMITTED) or fails with 40001 (REPEATABLE READ, SERIALIZABLE).';
revoke execute on function internal.tg_organization_members__keep_an_owner() from public;

create trigger _300_keep_an_owner
  after update or delete on base.organization_members
  for each row execute function internal.tg_organization_members__keep_an_owner();

alter table base.organization_members enable row level security;

commit;
