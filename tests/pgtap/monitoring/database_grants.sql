-- monitoring.settings_review reports the database-level grants PostgreSQL gives PUBLIC by default
-- and the package does not need (hardening issue, item 1): TEMPORARY on the database and large
-- object creation, each with the statement that removes it; and it stops reporting TEMPORARY
-- once the operator revoked it.
begin;
select plan(7);

select is((select severity from monitoring.settings_review where object_name = 'TEMPORARY on database ' || quote_ident(current_database())),
          'warning', 'TEMPORARY granted to PUBLIC (the default) is a warning');
select matches((select recommended_action from monitoring.settings_review where object_name = 'TEMPORARY on database ' || quote_ident(current_database())),
               '^revoke temporary on database .* from public;', 'the action is the revoke statement for this database');
select is((select severity from monitoring.settings_review where object_name = 'large object creation'),
          'info', 'large object creation by PUBLIC (the default) is reported');
select matches((select recommended_action from monitoring.settings_review where object_name = 'large object creation'),
               'revoke execute on function pg_catalog.lo_creat\(integer\), pg_catalog.lo_create\(oid\)', 'the action names the functions to revoke');
select is((select severity from monitoring.settings_review where object_name = 'lo_compat_privileges'),
          'ok', 'lo_compat_privileges is off by default');

-- The operator follows the advice (the database owner may; the change rolls back with the test).
select format('revoke temporary on database %I from public', current_database()) \gexec
select is((select severity from monitoring.settings_review where object_name = 'TEMPORARY on database ' || quote_ident(current_database())),
          'ok', 'after the revoke, TEMPORARY is no longer a finding');
select is((select count(*)::int from monitoring.critical_alerts where object_name like 'TEMPORARY on database%'), 0,
          'and it leaves the alerts');

select * from finish();
rollback;
