-- Deploy platform:tasks/now_outside_updates_on_citus to pg
-- Releasing a finished task's dependants (internal.tasks_release_dependants) and starting or
-- finishing a workflow (internal.tasks_start_workflow, internal.tasks_refresh_workflow) take now()
-- once, into a variable, instead of calling it inside CASE and COALESCE in their UPDATEs. Citus
-- refuses non-immutable functions there ("non-IMMUTABLE functions are not allowed in CASE or
-- COALESCE statements"): on Citus, completing a task that others depend on, and the end of a
-- workflow that had started, failed. The same instant (now() is the transaction's start) on both
-- targets. (The definitions as the catalog prints them, with now() moved.)

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION internal.tasks_release_dependants(p_organization_id uuid, p_task_id uuid)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_ids    uuid[];
  v_ready  integer;
  v_count  integer;
  v_now    timestamptz := now();
begin
  select array_agg(l.id) into v_ids
    from (select t.id
            from tasks.tasks as t
           where t.organization_id = p_organization_id
             and t.id in (select d.task_id from tasks.task_dependencies as d
                           where d.organization_id = p_organization_id and d.depends_on_task_id = p_task_id)
             and t.status = 'blocked'
           order by t.id
             for no key update of t) as l;
  if v_ids is null then
    return 0;
  end if;

  with released as (
    update tasks.tasks as t
       set pending_dependencies = t.pending_dependencies - 1,
           status = case when t.pending_dependencies > 1 then 'blocked'
                         when t.scheduled_at > v_now then 'scheduled'
                         else 'pending' end,
           updated_at = v_now
     where t.organization_id = p_organization_id and t.id = any (v_ids)
    returning t.status)
  select count(*) filter (where r.status = 'pending'), count(*)
    into v_ready, v_count
    from released as r;

  if v_ready > 0 then
    perform pg_catalog.pg_notify('tasks_ready', '');  -- empty payload: "poll now"
  end if;
  return v_count;
end
$function$;

CREATE OR REPLACE FUNCTION internal.tasks_start_workflow(p_organization_id uuid, p_workflow_id uuid)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_now timestamptz := now();
begin
  update tasks.workflows as w
     set status = 'running', started_at = coalesce(w.started_at, v_now), updated_at = v_now
   where (w.organization_id, w.id) = (select w2.organization_id, w2.id
                                        from tasks.workflows as w2
                                       where w2.organization_id = p_organization_id and w2.id = p_workflow_id
                                         and w2.status = 'pending'
                                         for no key update skip locked);
  return true;
end
$function$;

CREATE OR REPLACE FUNCTION internal.tasks_refresh_workflow(p_organization_id uuid, p_workflow_id uuid, p_started boolean)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_now timestamptz := now();
begin
  if exists (select from tasks.tasks as t
              where t.organization_id = p_organization_id and t.workflow_id = p_workflow_id) then
    if p_started then
      update tasks.workflows as w
         set status = 'running', started_at = coalesce(w.started_at, v_now), updated_at = v_now
       where w.organization_id = p_organization_id and w.id = p_workflow_id and w.status = 'pending';
    end if;
    return;
  end if;

  update tasks.workflows as w
     set status = case
                    when exists (select from tasks.task_history as h
                                  where h.organization_id = p_organization_id and h.workflow_id = p_workflow_id
                                    and h.status = 'failed') then 'failed'
                    when exists (select from tasks.task_history as h
                                  where h.organization_id = p_organization_id and h.workflow_id = p_workflow_id
                                    and h.status = 'cancelled') then 'cancelled'
                    else 'succeeded'
                  end,
         started_at = case when p_started then coalesce(w.started_at, v_now) else w.started_at end,
         finished_at = v_now,
         updated_at = v_now
   where w.organization_id = p_organization_id and w.id = p_workflow_id
     and w.status in ('pending', 'running');
end
$function$;

commit;
