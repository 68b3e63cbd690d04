-- Verify platform:monitoring/slow_query_analysis on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action, queryid,
       username, calls, total_exec_ms, mean_exec_ms, max_exec_ms, stddev_exec_ms, rows_per_call,
       share_of_total_time, cache_hit_ratio, temp_blks_written, query
  from monitoring.slow_query_analysis
 where false;

-- Answers with or without pg_stat_statements: at least the "unavailable" row or one statement.
select 1 / count(*) from monitoring.slow_queries(1);

rollback;
