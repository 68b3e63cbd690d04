-- Deploy platform:analytics/metrics to pg
-- A flexible metric store: any named value with a unit and dimensions, about a repository, a
-- file or a code element, at a point in time. Append-heavy, so range-partitioned by month on
-- recorded_at and kept 13 months (base.partition_config; tune it there).
--   * repository: composite FK to projects.repositories; run (optional): composite FK to the run
--     that produced it; both cascade;
--   * scope says what the value is about; scope_ref names the file path or the element's
--     qualified name (NULL for the repository itself);
--   * runs that succeed write their headline figures here (scope repository: quality_score,
--     coverage_pct, ...), and analytics.refresh_metric_trends() rolls repository-scope series up
--     into analytics.metric_trends.

begin;

create table analytics.metrics (
  organization_id  uuid              not null,
  id               uuid              not null default base.uuid_generate_v7(),
  repository_id    uuid              not null,
  run_id           uuid,
  scope            text              not null default 'repository',
  scope_ref        text,
  name             text              not null,
  value            double precision  not null,
  unit             text,
  dimensions       jsonb             not null default '{}',
  recorded_at      timestamptz       not null default now(),
  created_at       timestamptz       not null default now(),
  constraint metrics_pkey primary key (organization_id, id, recorded_at),
  constraint metrics_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint metrics_organization_id_repository_id_fkey foreign key (organization_id, repository_id)
    references projects.repositories (organization_id, id) on delete cascade,
  constraint metrics_organization_id_run_id_fkey foreign key (organization_id, run_id)
    references analytics.analysis_runs (organization_id, id) on delete cascade,
  constraint metrics_scope_check check (scope in ('repository', 'file', 'element')),
  constraint metrics_scope_ref_check
    check ((scope = 'repository') = (scope_ref is null) and length(scope_ref) between 1 and 4096),
  constraint metrics_name_check check (name ~ '^[a-z0-9][a-z0-9_.:/-]{0,127}$'),
  constraint metrics_value_check check (value <> 'NaN'::double precision and value between -1e15 and 1e15),
  constraint metrics_unit_check check (length(unit) between 1 and 32),
  constraint metrics_dimensions_check
    check (jsonb_typeof(dimensions) = 'object' and pg_column_size(dimensions) <= 4096)
) partition by range (recorded_at);

-- A repository's series of one metric (trends, charts); also the index behind the repository FK.
create index metrics_organization_id_repository_id_name_idx
  on analytics.metrics (organization_id, repository_id, name, recorded_at desc);
-- The metrics of one run; also the index behind the run FK.
create index metrics_organization_id_run_id_idx
  on analytics.metrics (organization_id, run_id) where run_id is not null;

comment on table analytics.metrics is
  'Flexible metric store: name, value, unit and dimensions about a repository, file or code element at recorded_at. Partitioned by month on recorded_at (retention in base.partition_config).';
comment on column analytics.metrics.run_id is 'The analysis run that produced the value, if any.';
comment on column analytics.metrics.scope is 'What the value is about: repository, file or element.';
comment on column analytics.metrics.scope_ref is 'File path (scope file) or qualified name (scope element); NULL for scope repository.';
comment on column analytics.metrics.name is 'Metric name: lowercase, digits and _ . : / -, e.g. coverage_pct or bundle.size.';
comment on column analytics.metrics.value is 'The measured value (finite, |value| <= 1e15).';
comment on column analytics.metrics.unit is 'Unit, e.g. percent, ms, bytes, count.';
comment on column analytics.metrics.dimensions is 'Extra labels (environment, platform...): a JSON object of at most 4 KiB. Trends roll up repository-scope values regardless of dimensions.';
comment on column analytics.metrics.recorded_at is 'When the value was measured: the partition key.';

do $$ begin perform base.register_partitioned_table('analytics.metrics', 'month', p_premake => 3, p_retention => interval '13 months'); end $$;

alter table analytics.metrics enable row level security;

create policy select_viewer on analytics.metrics
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on analytics.metrics is 'Every member of the organization reads metrics.';

create policy insert_member on analytics.metrics
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on analytics.metrics is 'Members (and CI acting as them) record metrics.';

create policy delete_admin on analytics.metrics
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on analytics.metrics is 'Only admins delete metrics.';

create policy all_service_role on analytics.metrics
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.metrics is 'Trusted services manage every metric.';

grant select, delete on analytics.metrics to authenticated;
grant insert (organization_id, repository_id, run_id, scope, scope_ref, name, value, unit, dimensions, recorded_at)
  on analytics.metrics to authenticated;
grant select, insert, delete on analytics.metrics to service_role;

commit;
