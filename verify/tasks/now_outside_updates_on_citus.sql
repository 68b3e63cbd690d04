-- Verify platform:tasks/now_outside_updates_on_citus on pg

begin;

select 1 / (position('v_now' in pg_catalog.pg_get_functiondef(f)) > 0)::integer
  from unnest(array['internal.tasks_release_dependants(uuid, uuid)',
                    'internal.tasks_start_workflow(uuid, uuid)',
                    'internal.tasks_refresh_workflow(uuid, uuid, boolean)']::regprocedure[]) as f;

rollback;
