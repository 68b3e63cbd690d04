-- Deploy platform:monitoring/slow_query_analysis to pg
-- The statements that cost this database the most time, from pg_stat_statements.
--
-- pg_stat_statements is optional and may live in any schema (public, extensions on Supabase),
-- so a view cannot name it: monitoring.slow_queries() finds it through pg_extension at run time
-- and reads it with dynamic SQL. When it is not installed, or installed but not loaded through
-- shared_preload_libraries, the view answers one "unavailable" row instead of an error.
-- SECURITY INVOKER: without pg_read_all_stats (pg_monitor) PostgreSQL shows the text of other
-- roles' statements as <insufficient privilege>, as it should.
-- Block I/O time (measured with track_io_timing) is blk_read_time + blk_write_time up to
-- pg_stat_statements 1.10 (PostgreSQL 16) and shared_blk_read_time + shared_blk_write_time from
-- 1.11 (PostgreSQL 17): the column names are read from the catalog when the function runs.

begin;

create function monitoring.slow_queries(p_limit integer default 50)
returns table (
  category text, check_name text, object_name text, severity text, value numeric, details text,
  recommended_action text, queryid bigint, username text, calls bigint, total_exec_ms numeric,
  mean_exec_ms numeric, max_exec_ms numeric, stddev_exec_ms numeric, rows_per_call numeric,
  share_of_total_time numeric, cache_hit_ratio numeric, temp_blks_written bigint, query text)
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_schema  name;
  v_message text;
  v_io_read  name := 'blk_read_time';   -- the I/O time columns up to pg_stat_statements 1.10
  v_io_write name := 'blk_write_time';
begin
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'p_limit % is out of range: 1 to 1000', p_limit using errcode = '22023';
  end if;

  select n.nspname into v_schema
    from pg_catalog.pg_extension as e join pg_catalog.pg_namespace as n on n.oid = e.extnamespace
   where e.extname = 'pg_stat_statements';

  if v_schema is null then
    return query select 'queries'::text, 'pg_stat_statements_unavailable'::text, current_database()::text,
      'info'::text, null::numeric,
      'pg_stat_statements is not installed in this database: slow query analysis is unavailable.'::text,
      'Add pg_stat_statements to shared_preload_libraries (restart), then: create extension pg_stat_statements;'::text,
      null::bigint, null::text, null::bigint, null::numeric, null::numeric, null::numeric, null::numeric,
      null::numeric, null::numeric, null::numeric, null::bigint, null::text;
    return;
  end if;

  if exists (select from pg_catalog.pg_attribute as a
              where a.attrelid = pg_catalog.to_regclass(pg_catalog.quote_ident(v_schema) || '.pg_stat_statements')
                and a.attname = 'shared_blk_read_time' and not a.attisdropped) then
    v_io_read := 'shared_blk_read_time';    -- 1.11 (PostgreSQL 17) and later
    v_io_write := 'shared_blk_write_time';
  end if;

  begin
    return query execute format($sql$
      with s as (
        select s.queryid, s.userid, s.calls, s.total_exec_time, s.mean_exec_time, s.max_exec_time,
               s.stddev_exec_time, s.rows, s.shared_blks_hit, s.shared_blks_read, s.temp_blks_written, s.query,
               s.%I + s.%I as io_time
          from %I.pg_stat_statements as s
         where s.dbid = (select d.oid from pg_catalog.pg_database as d where d.datname = current_database())
           and s.toplevel
      ),
      total as (select nullif(sum(s.total_exec_time), 0) as ms from s),
      top as (
        select s.*, monitoring.classify('slow_query', s.mean_exec_time::numeric, s.calls) as severity
          from s order by s.total_exec_time desc limit $1
      )
      select 'queries'::text, 'slow_query'::text, format('queryid %%s', t.queryid), t.severity,
             round(t.mean_exec_time::numeric, 3),
             format('%%s calls, mean %%s ms, max %%s ms, %%s%%%% of all execution time, %%s ms in block I/O; %%s',
                    t.calls, round(t.mean_exec_time::numeric, 1), round(t.max_exec_time::numeric, 1),
                    round(100 * t.total_exec_time::numeric / total.ms::numeric, 1), round(t.io_time::numeric, 1),
                    left(regexp_replace(t.query, '\s+', ' ', 'g'), 120)),
             case when t.severity = 'ok' then 'No action needed.'
                  else concat_ws(' ',
                    'Run EXPLAIN (ANALYZE, BUFFERS) on it and index the filtered or joined columns.',
                    case when t.temp_blks_written > 0 then 'It spills to temporary files: raise work_mem for it.' end,
                    case when t.shared_blks_read > t.shared_blks_hit then 'It reads mostly from disk: check the cache hit ratio.' end)
             end,
             t.queryid, pg_catalog.pg_get_userbyid(t.userid)::text, t.calls,
             round(t.total_exec_time::numeric, 3), round(t.mean_exec_time::numeric, 3),
             round(t.max_exec_time::numeric, 3), round(t.stddev_exec_time::numeric, 3),
             round(t.rows::numeric / nullif(t.calls, 0), 1),
             round(t.total_exec_time::numeric / total.ms::numeric, 4),
             round(t.shared_blks_hit::numeric / nullif(t.shared_blks_hit + t.shared_blks_read, 0), 4),
             t.temp_blks_written, left(t.query, 2000)
        from top as t cross join total
       order by t.total_exec_time desc
    $sql$, v_io_read, v_io_write, v_schema) using p_limit;
  exception when others then
    get stacked diagnostics v_message = message_text;
    return query select 'queries'::text, 'pg_stat_statements_unavailable'::text, current_database()::text,
      'info'::text, null::numeric,
      format('pg_stat_statements is installed in schema %s but cannot be read: %s', v_schema, v_message),
      'Make sure pg_stat_statements is in shared_preload_libraries (restart) and the extension is up to date (alter extension pg_stat_statements update).'::text,
      null::bigint, null::text, null::bigint, null::numeric, null::numeric, null::numeric, null::numeric,
      null::numeric, null::numeric, null::numeric, null::bigint, null::text;
  end;
end
$$;
comment on function monitoring.slow_queries(integer) is
  'The p_limit (1-1000, default 50) top-level statements of this database with the most total execution time in pg_stat_statements, wherever the extension is installed, with severity by mean time (slow_query threshold) and block I/O time in details (the columns of the installed pg_stat_statements version). One pg_stat_statements_unavailable row when the extension is missing or not loaded.';

revoke execute on function monitoring.slow_queries(integer) from public;
grant execute on function monitoring.slow_queries(integer) to platform_monitor, service_role;

create view monitoring.slow_query_analysis as
select q.category, q.check_name, q.object_name, q.severity, q.value, q.details, q.recommended_action,
       q.queryid, q.username, q.calls, q.total_exec_ms, q.mean_exec_ms, q.max_exec_ms, q.stddev_exec_ms,
       q.rows_per_call, q.share_of_total_time, q.cache_hit_ratio, q.temp_blks_written, q.query
  from monitoring.slow_queries(50) as q;

comment on view monitoring.slow_query_analysis is
  'The 50 statements of this database with the most total execution time (pg_stat_statements, top level only), with mean/max time, share of all time, cache hit ratio, temporary file use, severity by mean time and what to do. A single pg_stat_statements_unavailable row when the extension is absent.';

grant select on monitoring.slow_query_analysis to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.slow_query_analysis', 'performance', 'Statements with the most execution time (pg_stat_statements).');

commit;
