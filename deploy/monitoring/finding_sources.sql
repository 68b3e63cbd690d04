-- Deploy platform:monitoring/finding_sources to pg
-- One registry of the views that produce findings, and one collector that reads them all.
--
-- Every finding view exposes the same seven columns (the "finding contract"):
--     category text, check_name text, object_name text, severity text, value numeric,
--     details text, recommended_action text
-- and registers itself here with an area (health, performance, integrity, quality, maintenance).
-- critical_alerts, data_integrity_checks and the two recommendation views are built by
-- monitoring.collect_findings() from this registry, so a module adds its own checks (say
-- monitoring.tasks_performance_analysis) with one INSERT in its own Sqitch change, without
-- redefining any generic view. A registered view that is missing or broken does not break the
-- alerts: it shows up as a warning finding of its own.

begin;

create table monitoring.finding_sources (
  source_view  text        not null,
  area         text        not null,
  is_enabled   boolean     not null default true,
  description  text        not null,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  constraint finding_sources_pkey primary key (source_view),
  constraint finding_sources_source_view_check check (source_view ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  constraint finding_sources_area_check check (area in ('health', 'performance', 'integrity', 'quality', 'maintenance')),
  constraint finding_sources_description_check check (length(description) between 1 and 2000)
);

comment on table monitoring.finding_sources is
  'Views that produce findings (category, check_name, object_name, severity, value, details, recommended_action). monitoring.collect_findings() reads every enabled one; modules register theirs with an INSERT.';
comment on column monitoring.finding_sources.source_view is 'Schema-qualified view (or table) exposing the finding columns, e.g. monitoring.index_usage_analysis.';
comment on column monitoring.finding_sources.area is 'health, performance, integrity, quality or maintenance: data_integrity_checks shows the integrity area, critical_alerts all of them.';
comment on column monitoring.finding_sources.is_enabled is 'False leaves the view out of critical_alerts and the recommendations.';

create trigger _100_set_updated_at
  before update on monitoring.finding_sources
  for each row execute function base.tg__set_updated_at();

alter table monitoring.finding_sources enable row level security;

create policy select_monitor on monitoring.finding_sources
  for select to platform_monitor using (true);
comment on policy select_monitor on monitoring.finding_sources is
  'The monitoring role reads the registry (collect_findings() runs with the caller''s rights).';

create policy all_service_role on monitoring.finding_sources
  for all to service_role using (true) with check (true);
comment on policy all_service_role on monitoring.finding_sources is
  'Operators may switch a source off and on; only the deployer registers sources.';

grant select on monitoring.finding_sources to platform_monitor, service_role;
grant update (is_enabled) on monitoring.finding_sources to service_role;

-- SECURITY INVOKER on purpose: the caller needs SELECT on each source view, so the registry
-- cannot be used to read anything the caller could not read directly.
create function monitoring.collect_findings(p_area text default null, p_min_severity text default 'info')
returns table (source_view text, area text, category text, check_name text, object_name text,
               severity text, value numeric, details text, recommended_action text)
language plpgsql
stable
set search_path = pg_catalog, pg_temp
-- Each source is planned anew (EXECUTE); JIT compilation would cost more than the queries.
set jit = off
as $$
declare
  v_src      monitoring.finding_sources;
  v_min      integer := monitoring.severity_rank(p_min_severity);
  v_rel      regclass;
  v_message  text;
begin
  if v_min is null then
    raise exception 'minimum severity % is not one of ok, info, warning, critical', p_min_severity
      using errcode = '22023';
  end if;
  if p_area is not null and p_area not in ('health', 'performance', 'integrity', 'quality', 'maintenance') then
    raise exception 'area % is not one of health, performance, integrity, quality, maintenance', p_area
      using errcode = '22023';
  end if;

  for v_src in
    select s.* from monitoring.finding_sources as s
     where s.is_enabled and (p_area is null or s.area = p_area)
     order by s.area, s.source_view
  loop
    v_rel := to_regclass(v_src.source_view);
    if v_rel is null then
      if v_min <= 2 then
        return query select v_src.source_view, v_src.area, 'monitoring'::text, 'finding_source_missing'::text,
          v_src.source_view, 'warning'::text, null::numeric,
          format('%s is registered in monitoring.finding_sources but does not exist.', v_src.source_view),
          format('Deploy the change that creates it, or: delete from monitoring.finding_sources where source_view = %L;',
                 v_src.source_view);
      end if;
      continue;
    end if;
    begin
      return query execute format(
        'select %L::text, %L::text, f.category::text, f.check_name::text, f.object_name::text, '
        'f.severity::text, f.value::numeric, f.details::text, f.recommended_action::text '
        'from %s as f where monitoring.severity_rank(f.severity) >= $1',
        v_src.source_view, v_src.area, v_rel)
        using v_min;
    exception when others then
      get stacked diagnostics v_message = message_text;
      if v_min <= 2 then
        return query select v_src.source_view, v_src.area, 'monitoring'::text, 'finding_source_failed'::text,
          v_src.source_view, 'warning'::text, null::numeric,
          format('Reading %s failed: %s', v_src.source_view, v_message),
          'Fix the view so it exposes category, check_name, object_name, severity, value, details, recommended_action, or disable it in monitoring.finding_sources.'::text;
      end if;
    end;
  end loop;
end
$$;
comment on function monitoring.collect_findings(text, text) is
  'Every finding of every enabled source in monitoring.finding_sources (optionally one area) at or above p_min_severity (default info). A missing or failing source becomes a warning finding of its own. 22023 for an unknown area or severity.';

revoke execute on function monitoring.collect_findings(text, text) from public;
grant execute on function monitoring.collect_findings(text, text) to platform_monitor, service_role;

commit;
