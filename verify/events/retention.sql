-- Verify platform:events/retention on pg

begin;

select 'events.cleanup_old_events(integer)'::regprocedure;

-- The event data tables keep their partitions for the longest type retention.
select 1 / (count(*) = 6)::int
  from base.partition_config as pc
 where pc.parent_table = any (events.retained_tables())
   and pc.retention = (select max(t.retention) from events.event_types as t);

rollback;
