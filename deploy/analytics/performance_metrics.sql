-- Deploy platform:analytics/performance_metrics to pg
-- Benchmark and runtime measurements: latency percentiles, throughput, memory, and the
-- environment they were measured in. Append-heavy: range-partitioned by month on measured_at,
-- kept 13 months (base.partition_config).

begin;

create table analytics.performance_metrics (
  organization_id   uuid              not null,
  id                uuid              not null default base.uuid_generate_v7(),
  repository_id     uuid              not null,
  run_id            uuid,
  name              text              not null,
  environment       text              not null default 'default',
  p50_ms            double precision,
  p95_ms            double precision,
  p99_ms            double precision,
  throughput_per_s  double precision,
  memory_bytes      bigint,
  sample_count      integer,
  dimensions        jsonb             not null default '{}',
  measured_at       timestamptz       not null default now(),
  created_at        timestamptz       not null default now(),
  constraint performance_metrics_pkey primary key (organization_id, id, measured_at),
  constraint performance_metrics_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint performance_metrics_organization_id_repository_id_fkey foreign key (organization_id, repository_id)
    references projects.repositories (organization_id, id) on delete cascade,
  constraint performance_metrics_organization_id_run_id_fkey foreign key (organization_id, run_id)
    references analytics.analysis_runs (organization_id, id) on delete cascade,
  constraint performance_metrics_name_check check (length(name) between 1 and 200),
  constraint performance_metrics_environment_check check (length(environment) between 1 and 100),
  constraint performance_metrics_p50_ms_check check (p50_ms >= 0),
  constraint performance_metrics_p95_ms_check check (p95_ms >= p50_ms),
  constraint performance_metrics_p99_ms_check check (p99_ms >= p95_ms and p99_ms >= p50_ms),
  constraint performance_metrics_throughput_per_s_check check (throughput_per_s >= 0),
  constraint performance_metrics_memory_bytes_check check (memory_bytes >= 0),
  constraint performance_metrics_sample_count_check check (sample_count >= 1),
  constraint performance_metrics_measures_check
    check (coalesce(p50_ms, p95_ms, p99_ms, throughput_per_s, memory_bytes) is not null),
  constraint performance_metrics_dimensions_check
    check (jsonb_typeof(dimensions) = 'object' and pg_column_size(dimensions) <= 4096)
) partition by range (measured_at);

create index performance_metrics_organization_id_repository_id_name_idx
  on analytics.performance_metrics (organization_id, repository_id, name, environment, measured_at desc);
create index performance_metrics_organization_id_run_id_idx
  on analytics.performance_metrics (organization_id, run_id) where run_id is not null;

comment on table analytics.performance_metrics is
  'Benchmark and runtime measurements (latency percentiles, throughput, memory) per repository, benchmark name and environment. Partitioned by month on measured_at (retention in base.partition_config).';
comment on column analytics.performance_metrics.name is 'Benchmark or endpoint, e.g. "GET /api/invoices" or "parse_large_file".';
comment on column analytics.performance_metrics.environment is 'Where it was measured: ci, staging, production...';
comment on column analytics.performance_metrics.p50_ms is 'Median latency in milliseconds (>= 0); p50 <= p95 <= p99 is enforced.';
comment on column analytics.performance_metrics.throughput_per_s is 'Operations per second.';
comment on column analytics.performance_metrics.memory_bytes is 'Peak memory in bytes.';
comment on column analytics.performance_metrics.sample_count is 'How many samples the percentiles come from.';
comment on column analytics.performance_metrics.dimensions is 'Environment details (CPU, version, dataset...): a JSON object of at most 4 KiB.';
comment on column analytics.performance_metrics.measured_at is 'When it was measured: the partition key.';

do $$ begin perform base.register_partitioned_table('analytics.performance_metrics', 'month', p_premake => 3, p_retention => interval '13 months'); end $$;

alter table analytics.performance_metrics enable row level security;

create policy select_viewer on analytics.performance_metrics
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on analytics.performance_metrics is 'Every member of the organization reads performance metrics.';

create policy insert_member on analytics.performance_metrics
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on analytics.performance_metrics is 'Members (and CI acting as them) record measurements.';

create policy delete_admin on analytics.performance_metrics
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on analytics.performance_metrics is 'Only admins delete measurements.';

create policy all_service_role on analytics.performance_metrics
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.performance_metrics is 'Trusted services manage every measurement.';

grant select, delete on analytics.performance_metrics to authenticated;
grant insert (organization_id, repository_id, run_id, name, environment, p50_ms, p95_ms, p99_ms,
              throughput_per_s, memory_bytes, sample_count, dimensions, measured_at)
  on analytics.performance_metrics to authenticated;
grant select, insert, delete on analytics.performance_metrics to service_role;

commit;
