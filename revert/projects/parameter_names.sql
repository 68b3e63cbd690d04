-- Revert platform:projects/parameter_names from pg
-- Back to the parameter names of v1.0.0, with the same bodies, attributes, comments, grants and dependants.

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

-- The CHECK constraints that call the three functions go first.
alter table projects.projects drop constraint projects_goals_check;
alter table projects.repositories drop constraint repositories_default_branch_check;
alter table projects.repositories drop constraint repositories_analysis_config_check;
alter table projects.repository_branches drop constraint repository_branches_name_check;
alter table analytics.analysis_runs drop constraint analysis_runs_branch_check;

drop function projects.is_valid_branch_name(text);
drop function projects.validate_analysis_config(jsonb);
drop function projects.validate_goals(jsonb);

create function projects.is_valid_branch_name(p_name text)
returns boolean
language sql
immutable parallel safe strict
set search_path = pg_catalog, pg_temp
as $function$
  select length(p_name) between 1 and 255
     and p_name <> '@'
     and p_name !~ '[[:cntrl:][:space:]~^:?*\[\\]'
     and p_name !~ '^[/.-]|/$|\.$|\.lock$|\.\.|//|@\{|/\.'
$function$;
comment on function projects.is_valid_branch_name(text) is
  'True when p_name is a valid git branch name (git check-ref-format rules: 1-255 characters, no spaces, control characters or ~^:?*[\, no "..", "//", "@{" or "/.", not starting with /, . or -, not ending with /, . or .lock).';
revoke execute on function projects.is_valid_branch_name(text) from public;
grant execute on function projects.is_valid_branch_name(text) to authenticated, service_role;

create function projects.validate_analysis_config(p_config jsonb)
returns boolean
language plpgsql
immutable parallel safe
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_key   text;
  v_value jsonb;
  v_item  jsonb;
begin
  if p_config is null then
    return true;
  end if;
  if jsonb_typeof(p_config) <> 'object' then
    raise exception 'analysis_config must be a JSON object, not %', jsonb_typeof(p_config)
      using errcode = '23514', hint = 'Keys: tools, include, exclude, schedule, options.';
  end if;
  if pg_column_size(p_config) > 65536 then
    raise exception 'analysis_config is limited to 64 KiB' using errcode = '23514';
  end if;

  for v_key, v_value in select e.key, e.value from jsonb_each(p_config) as e loop
    case v_key
      when 'tools' then
        -- Two IFs, not one OR: jsonb_array_length() raises on a non-array.
        if jsonb_typeof(v_value) <> 'array' then
          raise exception 'analysis_config.tools must be an array of at most 50 tool names'
            using errcode = '23514', hint = 'Example: {"tools": ["eslint", "semgrep", "coverage"]}';
        end if;
        if jsonb_array_length(v_value) > 50 then
          raise exception 'analysis_config.tools must be an array of at most 50 tool names'
            using errcode = '23514', hint = 'Example: {"tools": ["eslint", "semgrep", "coverage"]}';
        end if;
        for v_item in select t.value from jsonb_array_elements(v_value) as t loop
          if jsonb_typeof(v_item) <> 'string' or (v_item #>> '{}') !~ '^[a-z0-9][a-z0-9_.-]{0,62}$' then
            raise exception 'analysis_config.tools has %, which is not a tool name (a-z, 0-9, _ . -; at most 63 characters)', v_item
              using errcode = '23514';
          end if;
        end loop;
        if (select count(distinct t.value) from jsonb_array_elements(v_value) as t) <> jsonb_array_length(v_value) then
          raise exception 'analysis_config.tools lists a tool twice' using errcode = '23514';
        end if;
      when 'include', 'exclude' then
        if jsonb_typeof(v_value) <> 'array' then
          raise exception 'analysis_config.% must be an array of at most 200 glob patterns', v_key
            using errcode = '23514', hint = 'Example: {"include": ["src/**"], "exclude": ["**/vendor/**"]}';
        end if;
        if jsonb_array_length(v_value) > 200 then
          raise exception 'analysis_config.% must be an array of at most 200 glob patterns', v_key
            using errcode = '23514', hint = 'Example: {"include": ["src/**"], "exclude": ["**/vendor/**"]}';
        end if;
        for v_item in select t.value from jsonb_array_elements(v_value) as t loop
          if jsonb_typeof(v_item) <> 'string' or length(v_item #>> '{}') not between 1 and 500
             or (v_item #>> '{}') ~ '[[:cntrl:]]' then
            raise exception 'analysis_config.% has %, which is not a glob pattern of 1 to 500 printable characters', v_key, v_item
              using errcode = '23514';
          end if;
        end loop;
      when 'schedule' then
        if jsonb_typeof(v_value) <> 'string'
           or ((v_value #>> '{}') not in ('manual', 'on_push', 'hourly', 'daily', 'weekly')
               and (v_value #>> '{}') !~ '^[0-9*/,-]+( +[0-9*/,-]+){4}$') then
          raise exception 'analysis_config.schedule is %, which is not a schedule', v_value
            using errcode = '23514',
                  hint = 'Allowed: manual, on_push, hourly, daily, weekly, or a five-field cron expression such as "0 3 * * 1".';
        end if;
      when 'options' then
        if jsonb_typeof(v_value) <> 'object' then
          raise exception 'analysis_config.options must be a JSON object keyed by tool name'
            using errcode = '23514';
        end if;
      else
        raise exception 'analysis_config has an unknown key "%"', v_key
          using errcode = '23514', hint = 'Keys: tools, include, exclude, schedule, options.';
    end case;
  end loop;
  return true;
end
$function$;
comment on function projects.validate_analysis_config(jsonb) is
  'Check of repositories.analysis_config: an object (at most 64 KiB) with optional keys tools (array of at most 50 distinct tool names), include and exclude (arrays of at most 200 glob patterns), schedule (manual, on_push, hourly, daily, weekly or a five-field cron expression) and options (object of per-tool settings). Returns true or raises 23514 naming the offending key.';
revoke execute on function projects.validate_analysis_config(jsonb) from public;
grant execute on function projects.validate_analysis_config(jsonb) to authenticated, service_role;

create function projects.validate_goals(p_goals jsonb)
returns boolean
language plpgsql
immutable parallel safe
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_goal  jsonb;
  v_index integer := 0;
  v_key   text;
begin
  if p_goals is null then
    return true;
  end if;
  if jsonb_typeof(p_goals) <> 'array' then
    raise exception 'project goals must be a JSON array, not %', jsonb_typeof(p_goals)
      using errcode = '23514', hint = 'Example: [{"text": "Ship v1", "target_date": "2027-03-31", "done": false}]';
  end if;
  if jsonb_array_length(p_goals) > 100 or pg_column_size(p_goals) > 65536 then
    raise exception 'project goals are limited to 100 entries and 64 KiB'
      using errcode = '23514';
  end if;
  for v_goal in select g.value from jsonb_array_elements(p_goals) as g loop
    v_index := v_index + 1;
    if jsonb_typeof(v_goal) <> 'object' then
      raise exception 'project goal % must be a JSON object, not %', v_index, jsonb_typeof(v_goal)
        using errcode = '23514', hint = 'Allowed keys: text (required), target_date, done.';
    end if;
    for v_key in select jsonb_object_keys(v_goal) loop
      if v_key not in ('text', 'target_date', 'done') then
        raise exception 'project goal % has an unknown key "%"', v_index, v_key
          using errcode = '23514', hint = 'Allowed keys: text (required), target_date, done.';
      end if;
    end loop;
    if jsonb_typeof(v_goal -> 'text') is distinct from 'string'
       or length(btrim(v_goal ->> 'text')) not between 1 and 500 then
      raise exception 'project goal % needs a text of 1 to 500 characters', v_index
        using errcode = '23514';
    end if;
    if jsonb_typeof(v_goal -> 'target_date') not in ('null') then
      if jsonb_typeof(v_goal -> 'target_date') <> 'string'
         or (v_goal ->> 'target_date') !~ '^\d{4}-\d{2}-\d{2}$' then
        raise exception 'project goal % has target_date %, which is not a YYYY-MM-DD date', v_index, v_goal -> 'target_date'
          using errcode = '23514';
      end if;
      begin
        perform (v_goal ->> 'target_date')::date;
      exception when datetime_field_overflow or invalid_datetime_format then
        raise exception 'project goal % has target_date %, which is not a calendar date', v_index, v_goal ->> 'target_date'
          using errcode = '23514';
      end;
    end if;
    if jsonb_typeof(v_goal -> 'done') not in ('boolean') then
      raise exception 'project goal % has done = %, which is not a boolean', v_index, v_goal -> 'done'
        using errcode = '23514';
    end if;
  end loop;
  return true;
end
$function$;
comment on function projects.validate_goals(jsonb) is
  'Check of projects.goals: a JSON array (at most 100 entries, 64 KiB) of objects {text: 1-500 characters (required), target_date: "YYYY-MM-DD" or null, done: boolean}. Returns true or raises 23514 naming the offending goal.';
revoke execute on function projects.validate_goals(jsonb) from public;
grant execute on function projects.validate_goals(jsonb) to authenticated, service_role;

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
        'projects.is_valid_branch_name(text)',
        'projects.validate_analysis_config(jsonb)',
        'projects.validate_goals(jsonb)'
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

-- The same CHECK constraints again.
alter table projects.projects add constraint projects_goals_check check (projects.validate_goals(goals));
alter table projects.repositories add constraint repositories_default_branch_check check (projects.is_valid_branch_name(default_branch));
alter table projects.repositories add constraint repositories_analysis_config_check check (projects.validate_analysis_config(analysis_config));
alter table projects.repository_branches add constraint repository_branches_name_check check (projects.is_valid_branch_name(name));
alter table analytics.analysis_runs add constraint analysis_runs_branch_check check (projects.is_valid_branch_name(branch));

commit;
