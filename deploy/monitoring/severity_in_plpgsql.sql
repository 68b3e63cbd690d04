-- Deploy platform:monitoring/severity_in_plpgsql to pg
-- The severity helpers of the monitoring views (severity, severity_rank, worst_severity, classify)
-- are PL/pgSQL. As SQL functions, severity and severity_rank were inlined into the views; the
-- pinned search_path (base/pin_search_path, Supabase's advisor 0011) stops PostgreSQL inlining a
-- SQL function, and each call then ran as a separate SQL function call. The same-session benchmark
-- of issue #18 found table_access_patterns and table_findings 2.3 and 2.9 times slower than before
-- the pins. PL/pgSQL evaluates these expressions on its fast path with the plan kept for the
-- session, pin included. On the benchmark data set (scale 0.1, 170 tables; the two forms
-- alternating in one session, median of 3 rounds): table_access_patterns 31.4 -> 5.9 ms,
-- table_findings 30.7 -> 5.3 ms (14 and 11 ms before the pins), critical_alerts,
-- database_health_summary and maintenance_recommendations 0.74 of their time, system_health 0.42.
-- classify and worst_severity were never inlined (a subquery); they get the same treatment. Same
-- results; the oversized-argument checks raise the same error from base.refuse_oversized.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function monitoring.severity(p_threshold monitoring.alert_thresholds, p_value numeric,
                                               p_sample numeric default null)
returns text
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return case
           when p_value is null or (p_threshold).check_name is null or not (p_threshold).is_enabled then 'ok'
           when (p_threshold).minimum_sample is not null and coalesce(p_sample, 0) < (p_threshold).minimum_sample then 'ok'
           when (p_threshold).direction = 'above' then
             case when p_value >= (p_threshold).critical_threshold then 'critical'
                  when p_value >= (p_threshold).warning_threshold then 'warning'
                  when p_value >= (p_threshold).info_threshold then 'info'
                  else 'ok' end
           else
             case when p_value < (p_threshold).critical_threshold then 'critical'
                  when p_value < (p_threshold).warning_threshold then 'warning'
                  when p_value < (p_threshold).info_threshold then 'info'
                  else 'ok' end
         end;
end
$$;

create or replace function monitoring.severity_rank(p_severity text)
returns integer
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  if length(p_severity) > 16 then
    perform base.refuse_oversized('p_severity', length(p_severity), 16);
  end if;
  return case p_severity when 'ok' then 0 when 'info' then 1 when 'warning' then 2 when 'critical' then 3 end;
end
$$;

create or replace function monitoring.worst_severity(variadic p_severities text[])
returns text
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return coalesce((select s from unnest(p_severities) as s
                    where monitoring.severity_rank(s) is not null
                    order by monitoring.severity_rank(s) desc limit 1), 'ok');
end
$$;

create or replace function monitoring.classify(p_check_name text, p_value numeric, p_sample numeric default null)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if length(p_check_name) > 63 then
    perform base.refuse_oversized('p_check_name', length(p_check_name), 63);
  end if;
  return monitoring.severity((select t from monitoring.alert_thresholds as t where t.check_name = p_check_name),
                             p_value, p_sample);
end
$$;

commit;
