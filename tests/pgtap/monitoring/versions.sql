-- The monitoring module on every server version of the matrix (make test-matrix: 15 to 18): each
-- view answers, checkpoints are read from the catalog this version has (pg_stat_checkpointer from
-- 17, pg_stat_bgwriter before), and pg_stat_statements' I/O time columns are the installed
-- version's (shared_blk_read_time from 1.11 / PostgreSQL 17, blk_read_time before).
begin;
select plan(5);

select current_setting('server_version_num')::int / 10000 as major,
       exists (select from pg_extension where extname = 'pg_stat_statements') as has_pgss \gset

-- Every view of the schema, found in the catalog, read in full; the failures are collected so
-- one broken view names itself instead of aborting the file.
create function pg_temp.unreadable_monitoring_views() returns text[] language plpgsql as $$
declare
  v_view regclass;
  v_failed text[];
begin
  for v_view in select c.oid from pg_class as c
                 where c.relnamespace = 'monitoring'::regnamespace and c.relkind in ('v', 'm') order by c.relname loop
    begin
      execute format('select count(*) from %s', v_view);
    exception when others then
      v_failed := v_failed || format('%s: %s', v_view, sqlerrm);
    end;
  end loop;
  return v_failed;
end
$$;

select is(pg_temp.unreadable_monitoring_views(), null,
          format('every monitoring view answers on PostgreSQL %s', :'major'));

select is((select source_view from monitoring.checkpoint_counts()),
          case when :major >= 17 then 'pg_stat_checkpointer' else 'pg_stat_bgwriter' end,
          format('on PostgreSQL %s the checkpoint counts come from the catalog this version has', :'major'));

select is((select count(*)::int from monitoring.checkpoint_counts()
            where checkpoints_timed >= 0 and checkpoints_requested >= 0),
          1, 'checkpoint_counts() answers one row of counts');

select is((select count(*)::int from monitoring.database_resource_utilization
            where check_name = 'checkpoints_requested_ratio' and severity is not null),
          1, 'database_resource_utilization reports the share of requested checkpoints');

-- A statement for pg_stat_statements to have seen (pg_stat_statements shows it at once).
select count(*) from pg_class where relname like 'pg\_%';
select ok(
  case when :'has_pgss'::boolean
       then exists (select from monitoring.slow_queries(1000) where check_name = 'slow_query' and details ~ ' ms in block I/O; ')
            and not exists (select from monitoring.slow_queries(1000) where check_name = 'pg_stat_statements_unavailable')
       else (select count(*) = 1 from monitoring.slow_queries() where check_name = 'pg_stat_statements_unavailable') end,
  case when :'has_pgss'::boolean
       then 'slow_queries reads this version''s pg_stat_statements, block I/O time included'
       else 'without pg_stat_statements slow_queries answers its one unavailable row' end);

select * from finish();
rollback;
