-- Deploy platform:analytics/parameter_names to pg
-- One parameter naming rule (docs/conventions.md, "Naming"): functions of the exposed schemas take
-- bare nouns. PostgreSQL cannot rename a parameter in place, so analytics.refresh_metric_trends
-- (p_organization_id, p_repository_id, p_since -> organization_id, repository_id, since) is dropped
-- and created again with the same body, attributes, comment and grants.
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

drop function analytics.refresh_metric_trends(uuid, uuid, timestamp with time zone);

create function analytics.refresh_metric_trends(organization_id uuid default NULL::uuid, repository_id uuid default NULL::uuid, since timestamp with time zone default NULL::timestamp with time zone)
returns integer
language sql
volatile
set search_path = pg_catalog, pg_temp
as $function$
  select internal.refresh_metric_trends(refresh_metric_trends.organization_id, refresh_metric_trends.repository_id, refresh_metric_trends.since)
$function$;
comment on function analytics.refresh_metric_trends(uuid, uuid, timestamp with time zone) is
  'Recomputes the daily and weekly roll-ups of repository-scope metrics from since on (default: from the latest period already rolled up), optionally for one organization and/or repository, with the change against the previous period. Returns the number of roll-up rows written. A caller without the service_role database role (a user, or authenticated without a JWT subject) must name an organization they are a member of (22023, 42501); service_role may refresh everything. Schedule it (pg_cron) for metrics recorded outside runs.';
revoke execute on function analytics.refresh_metric_trends(uuid, uuid, timestamp with time zone) from public;
grant execute on function analytics.refresh_metric_trends(uuid, uuid, timestamp with time zone) to authenticated, service_role;

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
        'analytics.refresh_metric_trends(uuid, uuid, timestamp with time zone)'
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
