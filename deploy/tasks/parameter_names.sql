-- Deploy platform:tasks/parameter_names to pg
-- One parameter naming rule (docs/conventions.md, "Naming"): functions of the exposed schemas take
-- bare nouns. PostgreSQL cannot rename a parameter in place, so tasks.promote_due_tasks
-- (p_limit -> max_tasks, the name claim_tasks uses: limit is a reserved word) is dropped and created
-- again with the same body logic, attributes, comment and grants.
--
-- squawk: a parameter is renamed only by DROP FUNCTION and CREATE FUNCTION in one transaction;
-- callers using positional notation see no change, named-notation callers of the old names are the
-- breaking change this release lists.
-- squawk-ignore-file ban-drop-function

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

drop function tasks.promote_due_tasks(integer);

create function tasks.promote_due_tasks(max_tasks integer default 1000)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_count  integer;
begin
  if promote_due_tasks.max_tasks is null or promote_due_tasks.max_tasks not between 1 and 100000 then
    raise exception 'max_tasks % is out of range: allowed 1 to 100000', promote_due_tasks.max_tasks using errcode = '22023';
  end if;
  with due as (
    select t.organization_id, t.id
      from tasks.tasks as t
     where t.status = 'scheduled' and t.scheduled_at <= now()
     order by t.scheduled_at
     limit promote_due_tasks.max_tasks
       for no key update skip locked),
  promoted as (
    update tasks.tasks as t
       set status = 'pending', updated_at = now()
      from due as d
     where t.organization_id = d.organization_id and t.id = d.id
    returning t.id)
  select count(*) into v_count
    from promoted as p;

  if v_count > 0 then
    perform pg_catalog.pg_notify('tasks_ready', '');  -- empty payload: "poll now"
  end if;
  return v_count;
end
$function$;
comment on function tasks.promote_due_tasks(integer) is
  'Makes up to max_tasks scheduled tasks whose scheduled_at has come pending (claimable) and notifies tasks_ready (empty payload) when it promoted any. Called by claim_tasks and, every few seconds, by the scheduler. Returns how many it promoted.';
revoke execute on function tasks.promote_due_tasks(integer) from public;
grant execute on function tasks.promote_due_tasks(integer) to service_role;

-- On Citus (citus/distribute), every function of the package is propagated to the workers; a
-- function created again is propagated again. Nothing happens where citus is absent.
do $citus$
declare
  v_sig text;
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'citus') then
    return;
  end if;
  for v_sig in
    select p.oid::regprocedure::text
      from pg_catalog.pg_proc as p
     where p.oid = any (array[
        'tasks.promote_due_tasks(integer)'
]::regprocedure[])
       and not exists (select from pg_dist_object as o
                        where o.classid = 'pg_catalog.pg_proc'::regclass and o.objid = p.oid)
       -- as citus/distribute: functions of the coordinator's local tables stay on the coordinator
       and not exists (select from pg_catalog.pg_depend as d
                         join pg_catalog.pg_type as t on t.oid = d.refobjid
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
                          and d.refclassid = 'pg_catalog.pg_type'::regclass and t.typrelid <> 0
                          and not exists (select from pg_dist_partition as dp where dp.logicalrelid = t.typrelid))
     order by p.oid
  loop
    perform pg_catalog.create_distributed_function(v_sig::regprocedure);
  end loop;
end
$citus$;

commit;
