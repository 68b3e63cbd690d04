-- Test helpers: installed into test databases only (scripts/test.sh), never by sqitch deploy.
-- Every pgTAP file and the pytest harness use these to build tenants and to act as a user.
--
--   tests.create_user(email)                      -> uuid of a new base.users row
--   tests.create_organization(slug, owner)        -> uuid of a new organization owned by owner
--   tests.add_member(org, user, role)             -> the user joins org with role
--   tests.create_tenant(slug)                     -> an organization with one user per role
--   tests.authenticate_as(user)                   -> SET LOCAL ROLE authenticated + JWT claims
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

create or replace function tests.authenticate_as(p_user_id uuid)
returns void
language plpgsql
volatile
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims',
                     json_build_object('sub', p_user_id, 'role', 'authenticated', 'aud', 'authenticated')::text,
                     true);
  perform set_config('role', 'authenticated', true);
end
$$;

create or replace function tests.authenticate_as_anon()
returns void
language plpgsql
volatile
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', json_build_object('role', 'anon')::text, true);
  perform set_config('role', 'anon', true);
end
$$;

create or replace function tests.authenticate_as_service_role()
returns void
language plpgsql
volatile
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true);
  perform set_config('role', 'service_role', true);
end
$$;

create or replace function tests.clear_authentication()
returns void
language plpgsql
volatile
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end
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
  end loop;
end
$$;
