-- Structure of the base module: objects, keys, policies, privileges and function attributes.
begin;
select plan(53);

select has_schema('base', 'schema base exists');
select has_schema('internal', 'schema internal exists');
select has_role('anon', 'role anon exists');
select has_role('authenticated', 'role authenticated exists');
select has_role('service_role', 'role service_role exists');

select is(
  (select array_agg(relname::text order by relname) from pg_class
    where relnamespace = 'base'::regnamespace and relkind in ('r', 'p') and not relispartition),
  array['audit_log', 'organization_invitations', 'organization_members', 'organizations', 'partition_config', 'status_transitions', 'users'],
  'base holds exactly the expected tables (partitions aside)');
select views_are('base', array['schema_migrations', 'partitions'], 'base holds exactly the expected views');
select enum_has_labels('base', 'organization_role', array['viewer', 'member', 'admin', 'owner'],
                       'organization roles are ordered from least to most powerful');

select col_is_pk('base', 'users', array['id'], 'users are keyed by id (the JWT sub)');
select col_is_pk('base', 'organizations', array['id'], 'organizations are keyed by id');
select col_is_pk('base', 'organization_members', array['organization_id', 'id'],
                 'memberships are keyed by (organization_id, id), like every tenant table');
select col_is_unique('base', 'organization_members', array['organization_id', 'user_id'],
                     'a user belongs to an organization once');
select fk_ok('base', 'organization_members', 'organization_id', 'base', 'organizations', 'id',
             'memberships reference their organization');
select fk_ok('base', 'organization_members', 'user_id', 'base', 'users', 'id',
             'memberships reference their user');
select col_is_pk('base', 'audit_log', array['id', 'occurred_at'], 'audit entries are keyed by id and time');
select is(
  (select partstrat from pg_partitioned_table where partrelid = 'base.audit_log'::regclass),
  'r', 'the audit log is range-partitioned');

select policies_are('base', 'users',
  array['select_self_or_colleague', 'insert_self', 'update_self', 'all_service_role'],
  'users carry exactly the intended policies');
select policies_are('base', 'organizations',
  array['select_viewer', 'update_admin', 'delete_owner', 'all_service_role'],
  'organizations carry exactly the intended policies');
select policies_are('base', 'organization_members',
  array['select_viewer', 'update_admin', 'delete_admin_or_self', 'all_service_role'],
  'organization_members carry exactly the intended policies (no insert policy: members join by invitation)');
select policies_are('base', 'organization_invitations', array['select_admin_or_invitee', 'all_service_role'],
  'invitations are read by admins and by their addressee, and written only through the invitation functions');
select policies_are('base', 'audit_log', array['select_admin', 'select_service_role'],
  'the audit log can only be read through policies');

select table_privs_are('base', 'organizations', 'authenticated', array['SELECT', 'DELETE'],
  'authenticated reads and deletes organizations (creation goes through create_organization)');
select column_privs_are('base', 'organizations', 'plan', 'authenticated', array['SELECT'],
  'authenticated cannot change the commercial plan');
select column_privs_are('base', 'organizations', 'settings', 'authenticated', array['SELECT', 'UPDATE'],
  'authenticated may update settings (policies limit it to admins)');
select table_privs_are('base', 'organization_members', 'authenticated', array['SELECT', 'DELETE'],
  'authenticated reads and deletes memberships at table level');
select column_privs_are('base', 'organization_members', 'role', 'authenticated', array['SELECT', 'UPDATE'],
  'the role is the only membership column an update may touch');
select column_privs_are('base', 'organization_members', 'organization_id', 'authenticated', array['SELECT'],
  'a membership cannot be moved to another organization by an update');
select is(
  (select array_agg(a.attname::text order by a.attnum) from pg_attribute as a
    where a.attrelid = 'base.organization_members'::regclass and a.attnum > 0 and not a.attisdropped
      and has_column_privilege('authenticated', a.attrelid, a.attnum, 'INSERT')),
  null,
  'end users cannot insert a membership, not even one column of it (they join by invitation)');
select table_privs_are('base', 'organization_invitations', 'authenticated', array['SELECT'],
  'authenticated only reads invitations; invite, revoke and accept are functions');
select table_privs_are('base', 'organization_invitations', 'anon', array[]::text[], 'anon has no access to invitations');
select col_is_pk('base', 'organization_invitations', array['organization_id', 'id'],
                 'invitations are keyed by (organization_id, id), like every tenant table');
select fk_ok('base', 'organization_invitations', array['organization_id', 'invited_by'],
             'base', 'organization_members', array['organization_id', 'user_id'],
             'the inviter is a member of the same organization (composite key)');
select table_privs_are('base', 'audit_log', 'authenticated', array['SELECT'],
  'authenticated may only read the audit log');
select table_privs_are('base', 'audit_log', 'service_role', array['SELECT'],
  'service_role may only read the audit log');
select table_privs_are('base', 'users', 'anon', array[]::text[], 'anon has no access to users');
select table_privs_are('base', 'organizations', 'anon', array[]::text[], 'anon has no access to organizations');

select is_definer('internal', 'organization_ids_for', array['base.organization_role'],
  'the policy helper reads memberships past RLS');
select volatility_is('internal', 'organization_ids_for', array['base.organization_role'], 'stable',
  'the policy helper is stable, so one call serves a whole statement');
select is_definer('internal', 'create_organization', array['text', 'text', 'text'],
  'create_organization crosses RLS to create the first owner');
select isnt_definer('base', 'current_user_id', array[]::text[], 'current_user_id runs as the caller');
select isnt_definer('base', 'current_user_email', array[]::text[], 'current_user_email runs as the caller');
select function_privs_are('base', 'accept_invitation', array['uuid'], 'service_role', array[]::text[],
  'only a signed-in user accepts an invitation, as themselves');
select function_privs_are('base', 'invite_member', array['uuid', 'text', 'base.organization_role', 'interval'], 'anon',
  array[]::text[], 'anon cannot invite');
select volatility_is('base', 'uuid_generate_v7', array[]::text[], 'volatile', 'uuid_generate_v7 is volatile');
select function_privs_are('base', 'run_partition_maintenance', array['regclass'], 'authenticated', array[]::text[],
  'end users cannot run partition maintenance');
select function_privs_are('base', 'run_partition_maintenance', array['regclass'], 'service_role', array['EXECUTE'],
  'service_role (schedulers, operators) runs partition maintenance');

select isnt_definer('internal', 'tg_organization_members__guard_roles', array[]::text[],
  'the membership guard (a BEFORE ROW trigger) runs as the caller, so it cannot read other tenants'' rows');
select isnt_definer('internal', 'tg_users__email_from_claim', array[]::text[],
  'the sign-up trigger (a BEFORE ROW trigger) runs as the caller');
-- The lead's rule, for the base tables: no BEFORE ROW trigger of a table with RLS runs a SECURITY
-- DEFINER function (it would run before RLS checks the row, with rights the caller lacks).
select is(
  (select array_agg(t.tgrelid::regclass || '.' || t.tgname || ' -> ' || t.tgfoid::regprocedure order by 1)
     from pg_trigger as t
     join pg_class as c on c.oid = t.tgrelid
     join pg_proc as p on p.oid = t.tgfoid
    where c.relnamespace = 'base'::regnamespace and c.relrowsecurity and not t.tgisinternal
      and t.tgtype::int & 1 = 1 and t.tgtype::int & 2 = 2      -- FOR EACH ROW, BEFORE
      and p.prosecdef),
  null,
  'no BEFORE ROW trigger of a base table with RLS runs a SECURITY DEFINER function');
select triggers_are('base', 'organization_invitations',
  array['_900_audit_insert', '_900_audit_update', '_900_audit_delete'],
  'invitations are audited');
select triggers_are('base', 'organization_members',
  array['_100_set_updated_at', '_200_guard_roles', '_300_keep_an_owner',
        '_900_audit_insert', '_900_audit_update', '_900_audit_delete'],
  'membership triggers fire in the visible order: timestamps, guards, owner check, audit');
select trigger_is('base', 'organizations', '_100_set_updated_at', 'base', 'tg__set_updated_at',
  'organizations keep updated_at');
select is(
  (select count(*)::int from pg_trigger
    where tgrelid = 'base.audit_log'::regclass and tgname in ('_000_append_only', '_000_append_only_truncate')),
  2, 'the audit log refuses updates, deletes and truncation');

select * from finish();
rollback;
