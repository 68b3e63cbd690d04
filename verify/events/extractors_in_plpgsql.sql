-- Verify platform:events/extractors_in_plpgsql on pg

begin;

select 1 / (count(*) = 5)::int
  from pg_catalog.pg_proc as p
  join pg_catalog.pg_language as l on l.oid = p.prolang
 where p.oid in ('events.effective_event_type(uuid, text, text)'::regprocedure,
                 'events.github_fields(jsonb)'::regprocedure,
                 'events.linear_fields(jsonb)'::regprocedure,
                 'events.slack_fields(jsonb)'::regprocedure,
                 'events.deployment_fields(jsonb, text)'::regprocedure)
   and l.lanname = 'plpgsql'
   and p.proconfig @> array['search_path=pg_catalog, pg_temp'];

-- Bare parameter names (the exposed schemas' rule, docs/conventions.md).
select 1 / count(*) from pg_catalog.pg_proc
 where oid = 'events.effective_event_type(uuid, text, text)'::regprocedure
   and proargnames = array['organization_id', 'source', 'name'];

rollback;
