-- Deploy platform:analytics/run_lifecycle to pg
-- The analysis-run lifecycle and what finishing a run sets in motion, enforced by triggers so
-- every path behaves the same (record_analysis_run, a tool adapter's own UPDATEs, a service).
--
--   queued  -> running | cancelled | failed
--   running -> succeeded | failed | cancelled
--   succeeded, failed, cancelled are final
--
-- BEFORE (as the caller): a new run is queued or running; a change must follow the lifecycle
-- (55000 naming the allowed states); started_at / finished_at are stamped; when a run succeeds
-- or fails its summary (files, lines, line-weighted coverage, duplication and maintainability,
-- total complexity) is computed from its file_analysis rows, which are frozen from then on.
--
-- AFTER a run succeeds (SECURITY DEFINER: it writes what API roles may not):
--   1. open/confirmed issues of the run's tools that the run did not report are resolved
--      automatically (resolved_run_id = the run);
--   2. the run's issue counts and quality score (a snapshot) are stored on it;
--   3. projects.repositories.last_analyzed_at moves forward to the run's finish time;
--   4. the headline figures become repository-scope metrics at the finish time
--      (quality_score, coverage_pct, duplication_pct, complexity_per_100_lines, lines_of_code,
--      open_issues), and the repository's trends are refreshed from that period on.

begin;

create function analytics.allowed_run_transitions(p_status text)
returns text[]
language sql
immutable
strict
parallel safe
as $$
  select case when (length(p_status) <= 64 or base.refuse_oversized('p_status', length(p_status), 64)) then case p_status
           when 'queued'    then array['running', 'cancelled', 'failed']
           when 'running'   then array['succeeded', 'failed', 'cancelled']
           when 'succeeded' then array[]::text[]
           when 'failed'    then array[]::text[]
           when 'cancelled' then array[]::text[]
         end end
$$;

comment on function analytics.allowed_run_transitions(text) is
  'The statuses an analysis run in p_status may move to next (empty for the final states; NULL for an unknown status).';
revoke execute on function analytics.allowed_run_transitions(text) from public;
grant execute on function analytics.allowed_run_transitions(text) to authenticated, service_role;

create function internal.tg_analysis_runs__guard_status()
returns trigger
language plpgsql
volatile
as $$
declare
  v_allowed text[];
begin
  if tg_op = 'INSERT' then
    if new.status not in ('queued', 'running') then
      raise exception 'a new analysis run is queued or running, not %', new.status
        using errcode = '55000',
              hint = 'Create it running, record its results, then move it to its final status (or use analytics.record_analysis_run()).';
    end if;
    if new.status = 'running' then
      new.started_at := coalesce(new.started_at, now());
    end if;
    return new;
  end if;

  if new.status is not distinct from old.status then
    return new;
  end if;

  v_allowed := analytics.allowed_run_transitions(old.status);
  if not new.status = any (v_allowed) then
    raise exception 'analysis run % cannot go from % to %: allowed next states are %',
                    old.id, old.status, new.status,
                    case when cardinality(v_allowed) = 0 then 'none (' || old.status || ' is final)'
                         else array_to_string(v_allowed, ', ') end
      using errcode = '55000',
            hint = 'queued -> running | cancelled | failed; running -> succeeded | failed | cancelled.';
  end if;

  if new.status = 'running' then
    new.started_at := coalesce(new.started_at, now());
  end if;
  if new.status in ('succeeded', 'failed', 'cancelled') then
    new.finished_at := coalesce(new.finished_at, now());
  end if;

  -- The run's summary, frozen with its results (file_analysis refuses rows from now on).
  if new.status in ('succeeded', 'failed') then
    select count(*),
           coalesce(sum(f.lines_code), 0),
           coalesce(sum(f.lines_comment), 0),
           round(sum(f.coverage_pct * f.lines_code) filter (where f.coverage_pct is not null)
                 / nullif(sum(f.lines_code) filter (where f.coverage_pct is not null), 0), 2),
           round(sum(f.duplication_pct * f.lines_code) filter (where f.duplication_pct is not null)
                 / nullif(sum(f.lines_code) filter (where f.duplication_pct is not null), 0), 2),
           sum(f.complexity),
           round(sum(f.maintainability_index * f.lines_code) filter (where f.maintainability_index is not null)
                 / nullif(sum(f.lines_code) filter (where f.maintainability_index is not null), 0), 2)
      into new.files_analyzed, new.lines_of_code, new.comment_lines, new.coverage_pct,
           new.duplication_pct, new.complexity_total, new.maintainability_avg
      from analytics.file_analysis as f
     where f.organization_id = new.organization_id and f.run_id = new.id;
  end if;
  return new;
end
$$;

comment on function internal.tg_analysis_runs__guard_status() is
  'BEFORE INSERT/UPDATE OF status on analysis_runs: new runs are queued or running; changes follow analytics.allowed_run_transitions() (55000, naming the allowed states); stamps started_at/finished_at; computes the run''s summary from its file results when it succeeds or fails.';
revoke execute on function internal.tg_analysis_runs__guard_status() from public;

create trigger _200_guard_status
  before insert or update of status on analytics.analysis_runs
  for each row execute function internal.tg_analysis_runs__guard_status();

create function internal.tg_analysis_runs__complete()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_resolved  integer;
  v_seen      integer;
  v_new       integer;
  v_open      integer;
  v_score     numeric;
begin
  -- 1. Auto-resolve: open issues of the tools that ran, not reported by this run.
  update analytics.issues as i
     set status = 'resolved', resolved_run_id = new.id
   where i.organization_id = new.organization_id
     and i.repository_id = new.repository_id
     and i.status in ('open', 'confirmed')
     and i.tool in (select jsonb_object_keys(new.tools))
     and i.last_seen_run_id is distinct from new.id;
  get diagnostics v_resolved = row_count;

  select count(*) filter (where i.last_seen_run_id = new.id),
         count(*) filter (where i.first_seen_run_id = new.id)
    into v_seen, v_new
    from analytics.issues as i
   where i.organization_id = new.organization_id
     and (i.last_seen_run_id = new.id or i.first_seen_run_id = new.id);

  select count(*) into v_open
    from analytics.issues as i
   where i.repository_id = new.repository_id and i.organization_id = new.organization_id
     and i.status in ('open', 'confirmed');

  -- 2. Counts and the score snapshot.
  select round(sum(c.contribution), 2) into v_score
    from analytics.quality_score_components(new.organization_id, new.id) as c;

  update analytics.analysis_runs as r
     set issue_count = v_seen, new_issue_count = v_new, resolved_issue_count = v_resolved,
         quality_score = v_score
   where r.organization_id = new.organization_id and r.id = new.id;

  -- 3. The repository was analysed.
  update projects.repositories as r
     set last_analyzed_at = new.finished_at
   where r.organization_id = new.organization_id and r.id = new.repository_id
     and (r.last_analyzed_at is null or r.last_analyzed_at < new.finished_at);

  -- 4. Headline metrics, then the repository's trends from this period on.
  insert into analytics.metrics (organization_id, repository_id, run_id, scope, name, value, unit, recorded_at)
  select new.organization_id, new.repository_id, new.id, 'repository', m.name, m.value, m.unit, new.finished_at
    from (values ('quality_score', v_score::double precision, 'score'),
                 ('coverage_pct', new.coverage_pct::double precision, 'percent'),
                 ('duplication_pct', new.duplication_pct::double precision, 'percent'),
                 ('complexity_per_100_lines',
                  case when new.lines_of_code > 0 then 100.0 * new.complexity_total / new.lines_of_code end::double precision,
                  'count'),
                 ('lines_of_code', new.lines_of_code::double precision, 'lines'),
                 ('open_issues', v_open::double precision, 'count')) as m(name, value, unit)
   where m.value is not null;

  perform analytics.refresh_metric_trends(new.organization_id, new.repository_id, new.finished_at);
  return null;
end
$$;

comment on function internal.tg_analysis_runs__complete() is
  'AFTER UPDATE OF status on analysis_runs, when a run succeeds: auto-resolves open issues of its tools that it did not report, stores its issue counts and quality-score snapshot, advances projects.repositories.last_analyzed_at, records headline repository metrics and refreshes the repository''s trends. SECURITY DEFINER: writes columns and tables API roles cannot.';
revoke execute on function internal.tg_analysis_runs__complete() from public;

create trigger _800_complete
  after update of status on analytics.analysis_runs
  for each row when (new.status = 'succeeded' and old.status is distinct from 'succeeded')
  execute function internal.tg_analysis_runs__complete();

commit;
