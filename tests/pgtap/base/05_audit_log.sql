-- The audit log: what it records, that nobody can rewrite it, and who may read it.
begin;
select plan(19);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member
  from tests.create_tenant('acme') \gset
select organization_id as other_org, owner_id as other_owner, admin_id as other_admin
  from tests.create_tenant('globex') \gset

select is(
  (select count(*)::int from base.audit_log where organization_id = :'org' and table_name = 'organization_members' and action = 'INSERT'),
  4, 'every new membership is logged');
select is(
  (select new_data ->> 'slug' from base.audit_log where record_id = :'org' and action = 'INSERT'),
  'acme', 'an INSERT entry keeps the new row');

select tests.authenticate_as(:'owner');
update base.organization_members set role = 'viewer' where organization_id = :'org' and user_id = :'member';
select tests.clear_authentication();

select results_eq(
  format($$select actor_user_id, actor_role, changed_columns, old_data ->> 'role', new_data ->> 'role'
             from base.audit_log where table_name = 'organization_members' and action = 'UPDATE'
              and new_data ->> 'user_id' = %L$$, :'member'),
  format($$values (%L::uuid, 'authenticated'::text, array['role']::text[], 'member'::text, 'viewer'::text)$$, :'owner'),
  'an UPDATE entry names the user, the database role, the changed columns and both versions');
select is(
  (select transaction_id = pg_current_xact_id() from base.audit_log where table_name = 'organization_members' and action = 'UPDATE'),
  true, 'entries carry the id of the transaction that made them');

update base.organizations set name = name where id = :'org';
select is((select count(*)::int from base.audit_log where record_id = :'org' and action = 'UPDATE'), 0,
  'an UPDATE that changes nothing is not logged');

update base.organization_members set role = 'member' where organization_id = :'org' and user_id = :'member';
select is((select count(*)::int from base.audit_log where organization_id = :'org' and action = 'UPDATE' and actor_user_id is null), 1,
  'a change made without a user is logged with no actor_user_id');
select is((select actor_role from base.audit_log where organization_id = :'org' and action = 'UPDATE' and actor_user_id is null),
  current_user::text, 'and with the session''s own role');

update base.users set display_name = 'Someone' where email like '%@example.test' and id in (:'owner', :'admin');
select is((select count(*)::int from base.audit_log where table_name = 'users' and action = 'UPDATE'), 2,
  'a statement touching several rows logs one entry per row');

delete from base.organization_members where organization_id = :'org' and user_id = :'member';
select is((select old_data ->> 'user_id' from base.audit_log where table_name = 'organization_members' and action = 'DELETE'),
  :'member', 'a DELETE entry keeps the old row');

-- Append-only -------------------------------------------------------------------------------
select throws_ok('update base.audit_log set actor_role = ''forged''', '42501',
  'base.audit_log is append-only: UPDATE is not allowed', 'not even the owner rewrites history');
select throws_ok('delete from base.audit_log', '42501',
  'base.audit_log is append-only: DELETE is not allowed', 'not even the owner deletes history');
select throws_ok('truncate base.audit_log', '42501',
  'base.audit_log is append-only: TRUNCATE is not allowed', 'not even the owner truncates history');
select tests.authenticate_as(:'owner');
select throws_ok($$insert into base.audit_log (table_schema, table_name, action, actor_role) values ('x', 'y', 'INSERT', 'z')$$,
  '42501', 'permission denied for table audit_log', 'users cannot forge entries');
select tests.authenticate_as_service_role();
select throws_ok($$insert into base.audit_log (table_schema, table_name, action, actor_role) values ('x', 'y', 'INSERT', 'z')$$,
  '42501', 'permission denied for table audit_log', 'services cannot forge entries');
select ok((select count(*) from base.audit_log) > 0, 'services read the whole trail');

-- Who reads what ------------------------------------------------------------------------------
select tests.authenticate_as(:'admin');
select is((select count(distinct organization_id)::int from base.audit_log), 1,
  'an admin reads only their own organization''s trail');
select tests.authenticate_as(:'member');
select is((select count(*)::int from base.audit_log), 0, 'a member reads no audit trail');
select tests.clear_authentication();

-- Attaching -------------------------------------------------------------------------------------
create temporary table no_id (x int);
select throws_ok($$select base.enable_audit('no_id')$$, '22023', 'no_id has no id column to audit by',
  'only tables with an id column can be audited');
select is(
  (select count(*)::int from base.partitions where parent_table = 'base.audit_log' and lower_bound > now()),
  3, 'the audit log always has its three premade future partitions');

select * from finish();
rollback;
