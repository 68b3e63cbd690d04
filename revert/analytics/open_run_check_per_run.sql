-- Revert platform:analytics/open_run_check_per_run from pg
-- Back to the check that joins the transition table to the runs in one statement.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function internal.tg__require_open_run()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_run    uuid;
  v_status text;
begin
  update analytics.analysis_runs as r
     set updated_at = r.updated_at
    from (select distinct n.organization_id, n.run_id from new_rows as n) as n
   where r.organization_id = n.organization_id and r.id = n.run_id
     and r.status in ('queued', 'running');

  select r.id, r.status into v_run, v_status
    from (select distinct n.organization_id, n.run_id from new_rows as n) as n
    join analytics.analysis_runs as r on r.organization_id = n.organization_id and r.id = n.run_id
   where r.status not in ('queued', 'running')
   limit 1;
  if found then
    raise exception 'analysis run % is %: results are accepted only while a run is queued or running', v_run, v_status
      using errcode = '55000', hint = 'Record results before moving the run to its final status (or start a new run).';
  end if;
  return null;
end
$$;

commit;
