-- Revert platform:monitoring/severity_in_plpgsql from pg
-- The previous SQL definitions, as the catalog prints them.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION monitoring.severity(p_threshold monitoring.alert_thresholds, p_value numeric, p_sample numeric DEFAULT NULL::numeric)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select case
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
         end
$function$;

CREATE OR REPLACE FUNCTION monitoring.severity_rank(p_severity text)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select case when (coalesce(length(p_severity), 0) <= 16 or base.refuse_oversized('p_severity', length(p_severity), 16)) then case p_severity when 'ok' then 0 when 'info' then 1 when 'warning' then 2 when 'critical' then 3 end end
$function$;

CREATE OR REPLACE FUNCTION monitoring.worst_severity(VARIADIC p_severities text[])
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select coalesce((select s from unnest(p_severities) as s
                    where monitoring.severity_rank(s) is not null
                    order by monitoring.severity_rank(s) desc limit 1), 'ok')
$function$;

CREATE OR REPLACE FUNCTION monitoring.classify(p_check_name text, p_value numeric, p_sample numeric DEFAULT NULL::numeric)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select case when (coalesce(length(p_check_name), 0) <= 63 or base.refuse_oversized('p_check_name', length(p_check_name), 63)) then monitoring.severity((select t from monitoring.alert_thresholds as t where t.check_name = p_check_name),
                             p_value, p_sample) end
$function$;

commit;
