-- Deploy platform:monitoring/sequence_usage to pg
-- Sequences running out of values. The limit is the sequence's own maximum or, when it feeds a
-- smaller integer column (serial on integer, identity), that column's maximum, whichever is
-- hit first: a bigint sequence feeding an integer column fails at 2^31 - 1.
-- The package's keys are UUIDv7, so this watches serial and identity columns of any schema
-- (extensions included). Reading a sequence's position needs a privilege on it, so the function
-- runs as the deployer; sequences it may not read report an unknown position (ok).

begin;

create function monitoring.sequence_status()
returns table (sequence_name text, data_type text, last_value numeric, increment_by numeric,
               min_value numeric, max_value numeric, is_cycle boolean, owned_by_column text,
               column_type text, limit_value numeric, used_ratio numeric, widen_column_sql text)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select format('%I.%I', s.schemaname, s.sequencename),
         s.data_type::text,
         s.last_value::numeric,
         s.increment_by::numeric,
         s.min_value::numeric,
         s.max_value::numeric,
         s.cycle,
         o.column_name,
         o.column_type,
         l.limit_value,
         case when s.last_value is null then null
              when s.increment_by > 0
                then round((s.last_value - s.min_value)::numeric / nullif(l.limit_value - s.min_value, 0), 6)
              else round((s.max_value - s.last_value)::numeric / nullif(s.max_value - l.limit_value, 0), 6)
         end,
         o.widen_sql
    from pg_catalog.pg_sequences as s
    left join lateral (
      select format('%s.%I', a.attrelid::pg_catalog.regclass, a.attname) as column_name,
             pg_catalog.format_type(a.atttypid, a.atttypmod) as column_type,
             format('alter table %s alter column %I type bigint;', a.attrelid::pg_catalog.regclass, a.attname) as widen_sql,
             case a.atttypid
               when 'pg_catalog.int2'::pg_catalog.regtype then 32767::numeric
               when 'pg_catalog.int4'::pg_catalog.regtype then 2147483647::numeric
             end as column_max
        from pg_catalog.pg_depend as d
        join pg_catalog.pg_attribute as a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
       where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
         and d.objid = format('%I.%I', s.schemaname, s.sequencename)::pg_catalog.regclass
         and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
         and d.deptype in ('a', 'i')
       limit 1) as o on true
    cross join lateral (
      select case when s.increment_by > 0
                  then least(s.max_value::numeric, coalesce(o.column_max, s.max_value::numeric))
                  else greatest(s.min_value::numeric, coalesce(-o.column_max - 1, s.min_value::numeric))
             end as limit_value) as l
   where s.schemaname not in ('pg_catalog', 'information_schema')
$$;
comment on function monitoring.sequence_status() is
  'Every sequence with its position, its effective limit (its own bound or that of the smaller integer column it feeds) and the share of values used. SECURITY DEFINER to read positions; returns numbers only.';

revoke execute on function monitoring.sequence_status() from public;
grant execute on function monitoring.sequence_status() to platform_monitor, service_role;

create view monitoring.sequence_usage as
select 'capacity'::text as category,
       'sequence_exhaustion'::text as check_name,
       s.sequence_name as object_name,
       monitoring.severity(th.sequence_exhaustion, s.used_ratio) as severity,
       s.used_ratio as value,
       case when s.last_value is null then format('%s has not been used yet (or cannot be read)', s.sequence_name)
            else format('%s is at %s of %s (%s%% used)%s%s', s.sequence_name, s.last_value, s.limit_value,
                        round(100 * s.used_ratio, 2),
                        case when s.owned_by_column is not null then format(', feeding %s (%s)', s.owned_by_column, s.column_type) else '' end,
                        case when s.is_cycle then ', CYCLE: it will wrap around and reuse values' else '' end) end as details,
       case when monitoring.severity(th.sequence_exhaustion, s.used_ratio) = 'ok' then 'No action needed.'
            when s.owned_by_column is not null and s.column_type in ('integer', 'smallint')
              then format('Widen the column before it runs out (this rewrites the table: plan it): %s alter sequence %s as bigint;',
                          s.widen_column_sql, s.sequence_name)
            else format('alter sequence %s as bigint maxvalue 9223372036854775807; (or move the key to UUIDv7)', s.sequence_name)
       end as recommended_action,
       s.sequence_name, s.data_type, s.last_value, s.increment_by, s.limit_value, s.is_cycle,
       s.owned_by_column, s.column_type, s.used_ratio
  from monitoring.sequence_status() as s
  cross join (select (select t from monitoring.alert_thresholds as t
                       where t.check_name = 'sequence_exhaustion') as sequence_exhaustion) as th;

comment on view monitoring.sequence_usage is
  'One row per sequence: how much of its range (or of the integer column it feeds) is used, severity by the sequence_exhaustion thresholds, and how to widen it.';

grant select on monitoring.sequence_usage to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.sequence_usage', 'maintenance', 'Sequences (and the integer columns they feed) close to their limit.');

commit;
