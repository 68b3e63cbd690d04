-- Deploy platform:base/roles_and_schemas to pg
-- The three API roles of the Supabase convention, and the two schemas of the base module.
--
-- Roles are cluster-wide and, on Supabase, owned by the platform: they are created only when
-- missing, never altered, and never dropped by a revert (see revert/base/roles_and_schemas.sql).
-- service_role gets BYPASSRLS only when the deployer may grant it (a superuser on PostgreSQL 15);
-- every table also carries an explicit service_role policy, so workers behave the same either way.

begin;

do $$
declare
  v_can_bypass boolean := (select rolsuper from pg_catalog.pg_roles where rolname = current_user);
  -- From PostgreSQL 16 a membership carries its own SET and INHERIT options, and granting a role
  -- needs ADMIN OPTION on it (CREATEROLE alone no longer suffices).
  v_pg16       boolean := current_setting('server_version_num')::int >= 160000;
  v_role       text;
begin
  foreach v_role in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select from pg_catalog.pg_roles where rolname = v_role) then
      execute format('create role %I nologin noinherit%s', v_role,
                     case when v_role = 'service_role' and v_can_bypass then ' bypassrls' else '' end);
      raise notice 'created role %', v_role;
    end if;
    -- The deployer must be able to act as each API role (SET ROLE: the tests and PostgREST's
    -- authenticator pattern) and to use its privileges (pg_has_role(..., 'USAGE') checks in
    -- internal.tasks_authorize and analytics.refresh_metric_trends). Membership alone is not
    -- enough from 16 on: a role a CREATEROLE deployer creates is granted back to it WITH ADMIN
    -- OPTION only, without SET and INHERIT, so the deployer grants itself those two.
    if not pg_catalog.pg_has_role(current_user, v_role, 'USAGE')
       or not pg_catalog.pg_has_role(current_user, v_role, case when v_pg16 then 'SET' else 'MEMBER' end) then
      begin
        execute format('grant %I to %I%s', v_role, current_user,
                       case when v_pg16 then ' with inherit true, set true' else '' end);
      exception when insufficient_privilege or invalid_grant_operation then
        raise exception 'role % cannot act as role %: it needs membership with SET and INHERIT, and may not grant it to itself (%)',
                        current_user, v_role, sqlerrm
          using errcode = '42501',
                hint = format('As a superuser (or a holder of %1$I WITH ADMIN OPTION) run: GRANT %1$I TO %2$I WITH ADMIN OPTION; then deploy again.',
                              v_role, current_user);
      end;
    end if;
  end loop;
end
$$;

-- base: the shared, API-visible objects every module builds on.
create schema base;
comment on schema base is
  'Shared foundation: tenants (organizations), users, memberships, identity helpers, UUIDv7, the audit log and partition maintenance.';
revoke all on schema base from public;
grant usage on schema base to anon, authenticated, service_role;

-- internal: functions that must read past RLS (membership checks inside policies, trigger
-- functions that write elsewhere). No API role may list it; policies reach its functions
-- through an EXECUTE grant on each one.
create schema internal;
comment on schema internal is
  'Private helpers (SECURITY DEFINER membership checks, trigger functions). Not part of the API: only individual functions are granted.';
revoke all on schema internal from public;
grant usage on schema internal to authenticated, service_role;

commit;
