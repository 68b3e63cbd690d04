-- Deploy platform:base/create_organization to pg
-- Creating a tenant is one step for the caller: the organization and the caller's owner
-- membership appear together, or not at all. SECURITY DEFINER because a brand-new organization
-- has no member yet, so no policy could let its founder insert it.

begin;

create function internal.create_organization(name text, slug text, description text default null)
returns base.organizations
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user uuid := base.current_user_id();
  v_org  base.organizations;
begin
  if v_user is null then
    raise exception 'creating an organization needs an authenticated user'
      using errcode = '42501', hint = 'Call it with a JWT whose "sub" is a user id.';
  end if;
  if not exists (select from base.users as u where u.id = v_user and u.is_active) then
    raise exception 'user % has no active profile in base.users', v_user
      using errcode = '55000', hint = 'Insert the user row (sign-up) first.';
  end if;

  insert into base.organizations (name, slug, description)
  values (create_organization.name, create_organization.slug, create_organization.description)
  returning * into v_org;

  insert into base.organization_members (organization_id, user_id, role)
  values (v_org.id, v_user, 'owner');

  return v_org;
end
$$;
comment on function internal.create_organization(text, text, text) is
  'The SECURITY DEFINER body of base.create_organization (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.create_organization(text, text, text) from public;
grant execute on function internal.create_organization(text, text, text) to authenticated, service_role;

create function base.create_organization(name text, slug text, description text default null)
returns base.organizations
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select internal.create_organization(create_organization.name, create_organization.slug, create_organization.description)
$$;

comment on function base.create_organization(text, text, text) is
  'Creates an organization and makes the calling user its owner. 42501 without a user, 55000 without an active user row, 23514 for a bad name or slug, 23505 for a taken slug.';
revoke execute on function base.create_organization(text, text, text) from public;
grant execute on function base.create_organization(text, text, text) to authenticated, service_role;

commit;
