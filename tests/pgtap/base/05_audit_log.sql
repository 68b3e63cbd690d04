-- The audit log: what it records, that nobody can rewrite it, and who may read it.
begin;
select plan(32);

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

-- Changes to the organization itself reach its admins (hardening item 11) -----------------------------
select tests.authenticate_as(:'admin');
update base.organizations set name = 'Acme Renamed' where id = :'org';
select results_eq(
  format($$select organization_id, action, new_data ->> 'name' from base.audit_log
            where table_name = 'organizations' and record_id = %L order by occurred_at, action$$, :'org'),
  format($$values (%L::uuid, 'INSERT'::text, 'Acme'::text), (%L::uuid, 'UPDATE'::text, 'Acme Renamed'::text)$$, :'org', :'org'),
  'an admin reads the creation and the rename of their own organization in the audit log');
select tests.authenticate_as(:'other_admin');
select is((select count(*)::int from base.audit_log where table_name = 'organizations' and record_id = :'org'), 0,
  'another organization''s admin does not');
select tests.clear_authentication();

-- Every partition is append-only, for the owner too (hardening item 5) --------------------------------
select format('base.audit_log_p%s', to_char(now() at time zone 'UTC', 'YYYYMM')) as current_part \gset
select throws_ok(format('truncate %s', :'current_part'), '42501',
  'base.audit_log is append-only: TRUNCATE is not allowed', 'the owner cannot truncate this month''s partition');
select throws_ok('truncate base.audit_log_default', '42501',
  'base.audit_log is append-only: TRUNCATE is not allowed', 'nor the DEFAULT partition');
select throws_ok(format('delete from %s', :'current_part'), '42501',
  'base.audit_log is append-only: DELETE is not allowed', 'nor delete from a partition directly');

-- Retention floor -----------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$update base.partition_config set retention = interval '1 microsecond' where parent_table = 'base.audit_log'$$,
  '23514', 'new row for relation "partition_config" violates check constraint "partition_config_retention_floor_check"',
  'service_role cannot set the audit retention below its floor');
select throws_ok($$update base.partition_config set retention_floor = interval '1 microsecond' where parent_table = 'base.audit_log'$$,
  '42501', 'permission denied for table partition_config', 'nor lower the floor');
select lives_ok($$update base.partition_config set retention = interval '2 years' where parent_table = 'base.audit_log'$$,
  'a retention above the floor is the operator''s choice');
select tests.clear_authentication();
select is((select retention_floor from base.partition_config where parent_table = 'base.audit_log'), interval '1 year',
  'the audit log keeps at least a year');

-- Rows in the DEFAULT partition move out past the guard, which stays on -------------------------------
insert into base.audit_log (occurred_at, table_schema, table_name, action, actor_role)
values (base.partition_period_start('month', now()) + interval '6 months' + interval '1 day', 'test', 'default_move', 'INSERT', 'test');
select is((select count(*)::int from base.audit_log_default where table_name = 'default_move'), 1,
  'an audit row beyond the premade months lands in the DEFAULT partition');
select results_eq($$select action from base.run_partition_maintenance('base.audit_log') where action <> 'created'$$,
  array['created from default'], 'maintenance moves it into a partition of its own, without failing');
select is((select tableoid::regclass::text from base.audit_log where table_name = 'default_move'),
  'base.audit_log_p' || to_char((base.partition_period_start('month', now()) + interval '6 months') at time zone 'UTC', 'YYYYMM'),
  'the row is in its month''s partition');
select results_eq(
  $$select c.relname::text collate "default", count(t.oid)::int from pg_inherits i join pg_class c on c.oid = i.inhrelid
      left join pg_trigger t on t.tgrelid = c.oid and t.tgname in ('_000_append_only', '_000_append_only_truncate') and t.tgenabled <> 'D'
     where i.inhparent = 'base.audit_log'::regclass and c.relname in ('audit_log_default', 'audit_log_p' || to_char((base.partition_period_start('month', now()) + interval '6 months') at time zone 'UTC', 'YYYYMM'))
     group by 1 order by 1$$,
  $$values ('audit_log_default'::text, 2), ('audit_log_p' || to_char((base.partition_period_start('month', now()) + interval '6 months') at time zone 'UTC', 'YYYYMM'), 2)$$,
  'the DEFAULT partition and the new one both carry both guards, enabled');

select * from finish();
rollback;
