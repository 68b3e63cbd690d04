-- The deploying role can act as every role the package grants privileges to (the API roles and
-- platform_monitor): SET ROLE to it (the tests, PostgREST's authenticator pattern) and use its
-- privileges (the pg_has_role(..., 'USAGE') checks of internal.tasks_authorize and
-- analytics.refresh_metric_trends). From PostgreSQL 16 membership alone grants neither: a role a
-- CREATEROLE deployer creates comes back to it WITH ADMIN OPTION only. The roles are found in the
-- catalog: every role the schemas' ACLs grant USAGE to, other than their owner.
begin;
select plan(3);

create temporary view package_roles as
select distinct r.rolname
  from pg_namespace as n
 cross join lateral aclexplode(n.nspacl) as a
  join pg_roles as r on r.oid = a.grantee
 where n.nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
   and a.grantee <> n.nspowner and a.privilege_type = 'USAGE';

select set_eq('select rolname from package_roles',
              array['anon', 'authenticated', 'service_role', 'platform_monitor'],
              'the roles the package grants schema access to are the API roles and platform_monitor');

select is(
  (select array_agg(rolname order by rolname) from package_roles where not pg_has_role(current_user, rolname, 'USAGE')),
  null, 'the deploying role inherits the privileges of each of them');

select is(
  (select array_agg(rolname order by rolname) from package_roles
    where not pg_has_role(current_user, rolname,
                          case when current_setting('server_version_num')::int >= 160000 then 'SET' else 'MEMBER' end)),
  null, 'the deploying role may SET ROLE to each of them');

select * from finish();
rollback;
