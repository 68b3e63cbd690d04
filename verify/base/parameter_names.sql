-- Verify platform:base/parameter_names on pg
-- Every renamed function has its new parameter names.

begin;

do $verify$
declare
  v_rec record;
begin
  for v_rec in
    select e.sig, e.names, p.proargnames
      from (values
      ('base.create_partition(regclass, text, timestamp with time zone)', array['parent', 'granularity', 'start']),
      ('base.enable_append_only(regclass)', array['table_name']),
      ('base.enable_audit(regclass)', array['table_name']),
      ('base.has_organization_role(uuid, base.organization_role)', array['organization_id', 'min_role']),
      ('base.maintain_partitioned_table(base.partition_config)', array['config', 'action', 'partition_name']),
      ('base.partition_bounds(regclass)', array['partition', 'lower_bound', 'upper_bound']),
      ('base.partition_period_end(text, timestamp with time zone)', array['granularity', 'start']),
      ('base.partition_period_start(text, timestamp with time zone)', array['granularity', 'at']),
      ('base.refuse_oversized(text, bigint, bigint)', array['argument', 'size', 'max_size']),
      ('base.register_partitioned_table(regclass, text, integer, interval, boolean, interval, interval, interval)', array['parent', 'granularity', 'premake', 'retention', 'guard_key', 'key_past_window', 'key_future_window', 'retention_floor', 'parent_table', 'action', 'partition_name']),
      ('base.run_partition_maintenance(regclass)', array['parent', 'parent_table', 'action', 'partition_name']),
      ('base.uuid_v7_timestamp(uuid)', array['id']),
      ('internal.accept_invitation(uuid)', array['p_invitation_id']),
      ('internal.create_organization(text, text, text)', array['p_name', 'p_slug', 'p_description']),
      ('internal.invite_member(uuid, text, base.organization_role, interval)', array['p_organization_id', 'p_email', 'p_role', 'p_expires_in']),
      ('internal.revoke_invitation(uuid)', array['p_invitation_id'])
           ) as e (sig, names)
      left join pg_catalog.pg_proc as p on p.oid = pg_catalog.to_regprocedure(e.sig)
  loop
    if v_rec.proargnames is distinct from v_rec.names::text[] then
      raise exception 'base/parameter_names: % has parameters %, expected %', v_rec.sig, v_rec.proargnames, v_rec.names;
    end if;
  end loop;
end
$verify$;

select parent_table, partition_name, is_default, lower_bound, upper_bound, estimated_rows from base.partitions where false;

rollback;
