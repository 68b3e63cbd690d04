-- Deploy platform:monitoring/schema to pg
-- The monitoring schema and its read-only role.
--
-- monitoring holds read-only views for DBAs and dashboards (health, slow queries, index use,
-- bloat, integrity, alerts) plus the maintenance entry point. Nothing in it is tenant data, so
-- `authenticated` and `anon` get nothing here: only service_role (trusted workers and admin
-- jobs) and platform_monitor (dashboards, exporters, on-call DBAs) may read it.
--
-- platform_monitor is cluster-wide, like the API roles: created NOLOGIN when missing, never
-- altered, never dropped by a revert; operators grant it to their login roles. It also gets the
-- built-in pg_monitor role (full pg_stat_activity, pg_stat_statements text, settings) when the
-- deployer may grant it: a superuser or, up to PostgreSQL 15, a CREATEROLE deployer; from 16 on,
-- only a role holding pg_monitor WITH ADMIN OPTION. Otherwise a notice says what to run.

begin;

do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'platform_monitor') then
    create role platform_monitor nologin;
    raise notice 'created role platform_monitor';
  end if;
  -- The deployer acts as the role in tests (SET ROLE), as it does for the API roles. From 16 on
  -- the deployer that created it holds it WITH ADMIN OPTION only (no SET, no INHERIT), and
  -- granting it needs ADMIN OPTION (see base/roles_and_schemas).
  if not pg_catalog.pg_has_role(current_user, 'platform_monitor', 'USAGE')
     or not pg_catalog.pg_has_role(current_user, 'platform_monitor',
                                   case when current_setting('server_version_num')::int >= 160000 then 'SET' else 'MEMBER' end) then
    begin
      execute format('grant platform_monitor to %I%s', current_user,
                     case when current_setting('server_version_num')::int >= 160000 then ' with inherit true, set true' else '' end);
    exception when insufficient_privilege or invalid_grant_operation then
      raise exception 'role % cannot act as role platform_monitor: it needs membership with SET and INHERIT, and may not grant it to itself (%)',
                      current_user, sqlerrm
        using errcode = '42501',
              hint = format('As a superuser (or a holder of platform_monitor WITH ADMIN OPTION) run: GRANT platform_monitor TO %I WITH ADMIN OPTION; then deploy again.',
                            current_user);
    end;
  end if;
  if not pg_catalog.pg_has_role('platform_monitor', 'pg_monitor', 'MEMBER') then
    begin
      grant pg_monitor to platform_monitor;
    exception when insufficient_privilege or invalid_grant_operation then
      raise notice 'could not grant pg_monitor to platform_monitor (%): the monitoring views will only see this role''s own sessions and queries', sqlerrm
        using hint = 'As a superuser run: GRANT pg_monitor TO platform_monitor; (or, to let the deploy do it: GRANT pg_monitor TO ' || quote_ident(current_user) || ' WITH ADMIN OPTION;)';
    end;
  end if;
end
$$;

create schema monitoring;
comment on schema monitoring is
  'Read-only health, performance, integrity and alert views for DBAs and dashboards, the alert thresholds, and the maintenance job runner. Readable by platform_monitor and service_role only.';
revoke all on schema monitoring from public;
grant usage on schema monitoring to platform_monitor, service_role;

commit;
