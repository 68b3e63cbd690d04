-- Revert platform:tasks/dependencies_satisfied_on_citus from pg
-- The one-argument test back as the SQL function it was; the tenant form dropped.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

drop function tasks.are_task_dependencies_satisfied(uuid, uuid);

create or replace function tasks.are_task_dependencies_satisfied(task_id uuid)
returns boolean
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select not exists (
    select from tasks.task_dependencies as d
     where d.task_id = are_task_dependencies_satisfied.task_id
       and not exists (select from tasks.task_history as h
                        where h.organization_id = d.organization_id and h.id = d.depends_on_task_id
                          and h.status = 'succeeded'))
$$;

commit;
