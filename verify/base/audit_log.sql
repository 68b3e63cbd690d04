-- Verify platform:base/audit_log on pg

begin;

select id, occurred_at, organization_id, table_schema, table_name, record_id, action,
       actor_user_id, actor_role, transaction_id, old_data, new_data, changed_columns
  from base.audit_log
 where false;

-- The current month's partition and the default partition exist.
select 1 / count(*) from base.partitions
 where parent_table = 'base.audit_log' and lower_bound <= now() and upper_bound > now();
select 1 / count(*) from base.partitions where parent_table = 'base.audit_log' and is_default;

select 'base.enable_audit(regclass)'::regprocedure;

rollback;
