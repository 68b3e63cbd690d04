-- Verify platform:events/retention on pg

begin;

select 'events.cleanup_old_events(integer)'::regprocedure;

-- The shared partitions' retention is operator configuration: no trigger on event types drives it.
select 1 / (count(*) = 6)::int
  from base.partition_config as pc
 where pc.parent_table = any (events.retained_tables());
select 1 / (count(*) = 0)::int
  from pg_catalog.pg_trigger as t
 where t.tgrelid = 'events.event_types'::regclass
   and t.tgfoid in (select p.oid from pg_catalog.pg_proc as p
                     where p.prosecdef and p.pronamespace = 'events'::regnamespace);

rollback;
