-- Deploy platform:analytics/open_run_check_per_run to pg
-- internal.tg__require_open_run (results may be added only to a run in flight) takes the runs of
-- the statement's rows from the transition table first, then locks and checks each run with a
-- statement that names it. It joined the transition table to analytics.analysis_runs in one
-- statement, which Citus cannot run: on a shard the trigger's query is planned as a distributed
-- query and loses the transition table ("executor could not find named tuplestore new_rows"), so
-- on Citus no file or code element result could be recorded. Same rule, same lock, same errors
-- on both targets; a statement's rows belong to one run in practice, so one node runs the same
-- two statements as before.

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
  v_runs   uuid[];
  v_orgs   uuid[];
  v_status text;
begin
  -- The statement's runs, read from the transition table alone.
  select array_agg(n.organization_id order by n.organization_id, n.run_id),
         array_agg(n.run_id order by n.organization_id, n.run_id)
    into v_orgs, v_runs
    from (select distinct t.organization_id, t.run_id from new_rows as t) as n;

  for i in 1 .. coalesce(array_length(v_runs, 1), 0) loop
    -- A new row version of an open run (updated_at = updated_at: no change) conflicts with a
    -- concurrent end of the run; see the comment on the function.
    update analytics.analysis_runs as r
       set updated_at = r.updated_at
     where r.organization_id = v_orgs[i] and r.id = v_runs[i]
       and r.status in ('queued', 'running');
    if not found then
      select r.status into v_status
        from analytics.analysis_runs as r
       where r.organization_id = v_orgs[i] and r.id = v_runs[i];
      raise exception 'analysis run % is %: results are accepted only while a run is queued or running', v_runs[i], v_status
        using errcode = '55000', hint = 'Record results before moving the run to its final status (or start a new run).';
    end if;
  end loop;
  return null;
end
$$;

commit;
