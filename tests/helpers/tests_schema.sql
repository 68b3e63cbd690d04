-- Test helpers: installed into test databases only (scripts/test.sh), never by sqitch deploy.
-- Every pgTAP file and the pytest harness use these to build tenants and to act as a user.
--
--   tests.create_user(email)                      -> uuid of a new base.users row
--   tests.create_organization(slug, owner)        -> uuid of a new organization owned by owner
--   tests.add_member(org, user, role)             -> the user joins org with role (directly, as
--                                                    the owner: end users join by invitation)
--   tests.create_tenant(slug)                     -> an organization with one user per role
--   tests.authenticate_as(user)                   -> SET LOCAL ROLE authenticated + JWT claims
--                                                    (sub, and email: the user's address)
--   tests.authenticate_as_service_role()          -> SET LOCAL ROLE service_role + its claims
--   tests.clear_authentication()                  -> back to the session's own role, no claims
-- Identity changes are transaction-local (set_config(..., true)), like PostgREST's.

create schema if not exists tests;
comment on schema tests is 'pgTAP and pytest helpers; present only in test databases.';
grant usage on schema tests to anon, authenticated, service_role;

create or replace function tests.create_user(p_email text default null, p_display_name text default null)
returns uuid
language plpgsql
volatile
as $$
declare
  v_id uuid := base.uuid_generate_v7();
begin
  insert into base.users (id, email, display_name)
  values (v_id, coalesce(p_email, 'user-' || v_id || '@example.test'), p_display_name);
  return v_id;
end
$$;

create or replace function tests.add_member(p_organization_id uuid, p_user_id uuid,
                                            p_role base.organization_role default 'member')
returns uuid
language sql
volatile
as $$
  insert into base.organization_members (organization_id, user_id, role)
  values (p_organization_id, p_user_id, p_role)
  returning id
$$;

create or replace function tests.create_organization(p_slug text, p_owner uuid default null)
returns uuid
language plpgsql
volatile
as $$
declare
  v_org uuid;
begin
  insert into base.organizations (name, slug) values (initcap(replace(p_slug, '-', ' ')), p_slug)
  returning id into v_org;
  perform tests.add_member(v_org, coalesce(p_owner, tests.create_user()), 'owner');
  return v_org;
end
$$;

-- One organization with a user in every role, plus an outsider who belongs elsewhere.
create or replace function tests.create_tenant(p_slug text,
  out organization_id uuid, out owner_id uuid, out admin_id uuid, out member_id uuid,
  out viewer_id uuid)
returns record
language plpgsql
volatile
as $$
begin
  owner_id  := tests.create_user(p_slug || '-owner@example.test');
  admin_id  := tests.create_user(p_slug || '-admin@example.test');
  member_id := tests.create_user(p_slug || '-member@example.test');
  viewer_id := tests.create_user(p_slug || '-viewer@example.test');
  organization_id := tests.create_organization(p_slug, owner_id);
  perform tests.add_member(organization_id, admin_id, 'admin');
  perform tests.add_member(organization_id, member_id, 'member');
  perform tests.add_member(organization_id, viewer_id, 'viewer');
end
$$;

-- One way to take an identity, as PostgREST does per request: role and JWT claims, both
-- transaction-local. The three authenticate_* helpers and clear_authentication only name it.
create or replace function tests.set_identity(p_role text, p_claims jsonb)
returns void
language plpgsql
volatile
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', coalesce(p_claims::text, ''), true);
  if p_role is not null then
    perform set_config('role', p_role, true);
  end if;
end
$$;

-- The claims an identity provider signs for this user: the subject and, as Supabase does, the
-- user's e-mail address (base.current_user_email()). The address is read as the session's own
-- role, whatever identity the transaction held before.
create or replace function tests.authenticate_as(p_user_id uuid)
returns void
language plpgsql
volatile
as $$
declare
  v_email text;
begin
  perform tests.set_identity(null, null);
  select u.email into v_email from base.users as u where u.id = p_user_id;
  perform tests.set_identity('authenticated',
                             jsonb_strip_nulls(jsonb_build_object('sub', p_user_id, 'email', v_email,
                                                                  'role', 'authenticated', 'aud', 'authenticated')));
end
$$;

create or replace function tests.authenticate_as_anon()
returns void
language sql
volatile
as $$
  select tests.set_identity('anon', jsonb_build_object('role', 'anon'))
$$;

create or replace function tests.authenticate_as_service_role()
returns void
language sql
volatile
as $$
  select tests.set_identity('service_role', jsonb_build_object('role', 'service_role'))
$$;

create or replace function tests.clear_authentication()
returns void
language sql
volatile
as $$
  select tests.set_identity(null, null)
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

-- pgTAP is created by the owner, whose default privileges keep new functions from PUBLIC
-- (base/default_privileges): grant its functions to the API roles the tests switch to.
do $$
declare
  v_fn regprocedure;
begin
  for v_fn in
    select d.objid::regprocedure
      from pg_catalog.pg_depend as d
      join pg_catalog.pg_extension as e on e.oid = d.refobjid and e.extname = 'pgtap'
     where d.classid = 'pg_catalog.pg_proc'::regclass and d.deptype = 'e'
  loop
    execute format('grant execute on function %s to anon, authenticated, service_role', v_fn);
    if exists (select from pg_catalog.pg_roles where rolname = 'platform_monitor') then
      execute format('grant execute on function %s to platform_monitor', v_fn);
    end if;
  end loop;
  -- In the Supabase lane pgTAP lives in schema extensions: the monitoring role's tests need it too.
  if exists (select from pg_catalog.pg_namespace where nspname = 'extensions')
     and exists (select from pg_catalog.pg_roles where rolname = 'platform_monitor') then
    grant usage on schema extensions to platform_monitor;
  end if;
end
$$;

-- Tenant tables: every table of the package schemas with an organization_id column, partitions
-- excluded, in an order that inserts parents before children (longest foreign-key path first).
create or replace view tests.tenant_tables as
with recursive tables as (
  select c.oid
    from pg_catalog.pg_class as c
   where c.relnamespace::regnamespace::text in ('base', 'projects', 'tasks', 'analytics', 'prompts', 'events')
     and c.relkind in ('r', 'p') and not c.relispartition
     and exists (select from pg_catalog.pg_attribute as a
                  where a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped)
), edges as (
  select distinct k.conrelid as child, k.confrelid as parent
    from pg_catalog.pg_constraint as k
    join tables as t on t.oid = k.conrelid
    join tables as p on p.oid = k.confrelid
   where k.contype = 'f' and k.conrelid <> k.confrelid
), depth (oid, depth) as (
  select t.oid, 0 from tables as t
  union all
  select e.child, d.depth + 1 from depth as d join edges as e on e.parent = d.oid where d.depth < 50
)
select oid::regclass as table_name, max(depth) as depth
  from depth group by oid;
comment on view tests.tenant_tables is 'Tenant-owned tables, with their depth in the foreign-key graph (parents first).';

-- A copy of an organization's data under a new organization, with new ids everywhere (rows, the
-- organization, and its users, cloned with new e-mail addresses), so that composite foreign keys
-- stay inside the copy. User triggers are disabled while copying (the owner may do that), so
-- status machines and audit do not see a bulk copy as a change. Used by the isolation tests.
create or replace function tests.clone_tenant(p_source uuid, p_slug text)
returns uuid
language plpgsql
volatile
as $$
declare
  v_new   uuid := base.uuid_generate_v7();
  v_table regclass;
  v_cols  text;
  v_exprs text;
begin
  create temporary table if not exists clone_map (old uuid primary key, new uuid not null);
  truncate clone_map;
  insert into clone_map values (p_source, v_new);
  insert into clone_map
  select m.user_id, base.uuid_generate_v7() from base.organization_members as m where m.organization_id = p_source;
  insert into base.users (id, email, display_name)
  select cm.new, p_slug || '.' || u.email, u.display_name
    from base.users as u join clone_map as cm on cm.old = u.id;
  insert into base.organizations (id, name, slug, description, plan, settings)
  select v_new, initcap(p_slug), p_slug, o.description, o.plan, o.settings
    from base.organizations as o where o.id = p_source;

  for v_table in select t.table_name from tests.tenant_tables as t loop
    if exists (select from pg_attribute where attrelid = v_table and attname = 'id' and atttypid = 'uuid'::regtype) then
      execute format('insert into clone_map select id, base.uuid_generate_v7() from %s where organization_id = $1 '
                     'on conflict do nothing', v_table) using p_source;
    end if;
  end loop;

  for v_table in select t.table_name from tests.tenant_tables as t order by t.depth, t.table_name::text loop
    select string_agg(format('%I', a.attname), ', ' order by a.attnum),
           string_agg(case
                        when a.atttypid = 'uuid'::regtype then
                          format('coalesce((select m.new from clone_map as m where m.old = s.%1$I), s.%1$I)', a.attname)
                        when a.atttypid = 'uuid[]'::regtype then
                          format('array(select coalesce(m.new, e.v) from unnest(s.%1$I) with ordinality as e (v, n) '
                                 'left join clone_map as m on m.old = e.v order by e.n)', a.attname)
                        else format('s.%I', a.attname)
                      end, ', ' order by a.attnum)
      into v_cols, v_exprs
      from pg_attribute as a
     where a.attrelid = v_table and a.attnum > 0 and not a.attisdropped and a.attgenerated = '';
    execute format('alter table %s disable trigger user', v_table);
    execute format('insert into %s (%s) select %s from %s as s where s.organization_id = $1',
                   v_table, v_cols, v_exprs, v_table) using p_source;
    execute format('alter table %s enable trigger user', v_table);
  end loop;
  return v_new;
end
$$;
comment on function tests.clone_tenant(uuid, text) is
  'Copies every tenant row of p_source into a new organization (slug p_slug) with fresh ids and cloned users. Returns the new organization id.';
