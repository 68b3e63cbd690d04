-- Deploy platform:analytics/metric_trends to pg
-- Roll-ups of repository-scope metric series, per day and per ISO week (UTC), each with the
-- change against the previous period that has data. Maintained only by
-- analytics.refresh_metric_trends() (SECURITY DEFINER; API roles read the table).
--
-- Incremental refresh: only the periods from p_since on are recomputed; without p_since, from
-- the latest period already rolled up (per granularity, within the filters), so a periodic call
-- costs the current period only. Each successful run refreshes its own repository from its
-- finish time (analytics/run_lifecycle), so trends are current without a scheduler; a periodic
--   select analytics.refresh_metric_trends();       -- e.g. pg_cron, every 15 minutes
-- picks up metrics recorded outside runs. Metrics that arrive late for an older period need an
-- explicit p_since. Trend rows outlive the raw metrics' retention (that is what they are for).

begin;

create table analytics.metric_trends (
  organization_id  uuid              not null,
  id               uuid              not null default base.uuid_generate_v7(),
  repository_id    uuid              not null,
  metric_name      text              not null,
  period           text              not null,
  period_start     timestamptz       not null,
  sample_count     integer           not null,
  avg_value        double precision  not null,
  min_value        double precision  not null,
  max_value        double precision  not null,
  last_value       double precision  not null,
  previous_avg     double precision,
  change_abs       double precision,
  change_pct       double precision,
  direction        text,
  refreshed_at     timestamptz       not null default now(),
  created_at       timestamptz       not null default now(),
  updated_at       timestamptz       not null default now(),
  constraint metric_trends_pkey primary key (organization_id, id),
  constraint metric_trends_repository_id_metric_name_period_key
    unique (organization_id, repository_id, metric_name, period, period_start),
  constraint metric_trends_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint metric_trends_organization_id_repository_id_fkey foreign key (organization_id, repository_id)
    references projects.repositories (organization_id, id) on delete cascade,
  constraint metric_trends_period_check check (period in ('day', 'week')),
  constraint metric_trends_sample_count_check check (sample_count >= 1),
  constraint metric_trends_direction_check check (direction in ('up', 'down', 'flat'))
);

comment on table analytics.metric_trends is
  'Daily and weekly (ISO week, UTC) roll-ups of repository-scope metrics with the change against the previous period that has data. Maintained by analytics.refresh_metric_trends(); read-only for API roles.';
comment on column analytics.metric_trends.period is 'day or week.';
comment on column analytics.metric_trends.period_start is 'Start of the UTC day or ISO week (Monday).';
comment on column analytics.metric_trends.last_value is 'The latest value recorded in the period.';
comment on column analytics.metric_trends.previous_avg is 'avg_value of the latest earlier period with data; NULL for the first period.';
comment on column analytics.metric_trends.change_abs is 'avg_value - previous_avg.';
comment on column analytics.metric_trends.change_pct is '100 x change_abs / |previous_avg|; NULL when previous_avg is 0 or missing.';
comment on column analytics.metric_trends.direction is 'up, down or flat against the previous period (whether up is good depends on the metric).';

create trigger _100_set_updated_at
  before update on analytics.metric_trends
  for each row execute function base.tg__set_updated_at();

create function internal.refresh_metric_trends(
  p_organization_id uuid        default null,
  p_repository_id   uuid        default null,
  p_since           timestamptz default null)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set jit = off  -- an OLTP call (once per successful run): never worth a JIT compile
as $$
declare
  v_period text;
  v_from   timestamptz;
  v_rows   integer;
  v_total  integer := 0;
begin
  -- Services (service_role, or a role that has it, such as the owner running a pg_cron job) refresh
  -- anything; anyone else only an organization they are a member of. The caller is the database
  -- role: the role setting (SET ROLE, as PostgREST does) or the session user, which this SECURITY
  -- DEFINER function does not change (the current user is its owner here). Not the JWT: `authenticated`
  -- without a subject is not a service.
  if not pg_catalog.pg_has_role(coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user),
                                'service_role', 'USAGE') then
    if p_organization_id is null then
      raise exception 'p_organization_id is required when a user refreshes trends'
        using errcode = '22023';
    end if;
    if not base.has_organization_role(p_organization_id, 'member') then
      raise exception 'only members of organization % may refresh its trends', p_organization_id
        using errcode = '42501';
    end if;
  end if;

  foreach v_period in array array['day', 'week'] loop
    v_from := coalesce(
      p_since,
      (select max(t.period_start) from analytics.metric_trends as t
        where t.period = v_period
          and (p_organization_id is null or t.organization_id = p_organization_id)
          and (p_repository_id is null or t.repository_id = p_repository_id)),
      '-infinity');
    if v_from > '-infinity' then
      v_from := date_trunc(v_period, v_from, 'UTC');
    end if;

    insert into analytics.metric_trends as t
      (organization_id, repository_id, metric_name, period, period_start, sample_count,
       avg_value, min_value, max_value, last_value, refreshed_at)
    select m.organization_id, m.repository_id, m.name, v_period,
           date_trunc(v_period, m.recorded_at, 'UTC'),
           count(*), avg(m.value), min(m.value), max(m.value),
           (array_agg(m.value order by m.recorded_at desc, m.id desc))[1], now()
      from analytics.metrics as m
     where m.scope = 'repository'
       and m.recorded_at >= v_from
       and (p_organization_id is null or m.organization_id = p_organization_id)
       and (p_repository_id is null or m.repository_id = p_repository_id)
     group by m.organization_id, m.repository_id, m.name, date_trunc(v_period, m.recorded_at, 'UTC')
    on conflict on constraint metric_trends_repository_id_metric_name_period_key do update
       set sample_count = excluded.sample_count, avg_value = excluded.avg_value,
           min_value = excluded.min_value, max_value = excluded.max_value,
           last_value = excluded.last_value, refreshed_at = excluded.refreshed_at;
    get diagnostics v_rows = row_count;
    v_total := v_total + v_rows;

    -- The change against the previous period that has data, for every period recomputed.
    update analytics.metric_trends as t
       set previous_avg = c.previous_avg,
           change_abs   = t.avg_value - c.previous_avg,
           change_pct   = case when c.previous_avg <> 0
                               then 100 * (t.avg_value - c.previous_avg) / abs(c.previous_avg) end,
           direction    = case when c.previous_avg is null then null
                               when abs(t.avg_value - c.previous_avg) < 1e-9 then 'flat'
                               when t.avg_value > c.previous_avg then 'up'
                               else 'down' end
      from (select cur.organization_id, cur.id,
                   (select p.avg_value from analytics.metric_trends as p
                     where p.organization_id = cur.organization_id and p.repository_id = cur.repository_id
                       and p.metric_name = cur.metric_name and p.period = cur.period
                       and p.period_start < cur.period_start
                     order by p.period_start desc
                     limit 1) as previous_avg
              from analytics.metric_trends as cur
             where cur.period = v_period
               and cur.period_start >= v_from
               and (p_organization_id is null or cur.organization_id = p_organization_id)
               and (p_repository_id is null or cur.repository_id = p_repository_id)) as c
     where t.organization_id = c.organization_id and t.id = c.id
       and (t.previous_avg is distinct from c.previous_avg or t.change_abs is null);
  end loop;

  return v_total;
end
$$;
comment on function internal.refresh_metric_trends(uuid, uuid, timestamptz) is
  'The SECURITY DEFINER body of analytics.refresh_metric_trends (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.refresh_metric_trends(uuid, uuid, timestamptz) from public;
grant execute on function internal.refresh_metric_trends(uuid, uuid, timestamptz) to authenticated, service_role;

create function analytics.refresh_metric_trends(
  p_organization_id uuid        default null,
  p_repository_id   uuid        default null,
  p_since           timestamptz default null)
returns integer
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select internal.refresh_metric_trends(refresh_metric_trends.p_organization_id, refresh_metric_trends.p_repository_id, refresh_metric_trends.p_since)
$$;

comment on function analytics.refresh_metric_trends(uuid, uuid, timestamptz) is
  'Recomputes the daily and weekly roll-ups of repository-scope metrics from p_since on (default: from the latest period already rolled up), optionally for one organization and/or repository, with the change against the previous period. Returns the number of roll-up rows written. A caller without the service_role database role (a user, or authenticated without a JWT subject) must name an organization they are a member of (22023, 42501); service_role may refresh everything. Schedule it (pg_cron) for metrics recorded outside runs.';
revoke execute on function analytics.refresh_metric_trends(uuid, uuid, timestamptz) from public;
grant execute on function analytics.refresh_metric_trends(uuid, uuid, timestamptz) to authenticated, service_role;

alter table analytics.metric_trends enable row level security;

create policy select_viewer on analytics.metric_trends
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on analytics.metric_trends is 'Every member of the organization reads its trends.';

create policy all_service_role on analytics.metric_trends
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.metric_trends is 'Trusted services read (and, for repairs, write) trends.';

grant select on analytics.metric_trends to authenticated;
grant select, insert, update, delete on analytics.metric_trends to service_role;

commit;
