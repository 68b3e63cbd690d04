-- Revert platform:analytics/status_machine from pg
-- Restores the guards and set_issue_status() that called analytics.allowed_run_transitions() and
-- analytics.allowed_issue_transitions() (re-created by the reverts of their changes' reworks).

begin;

set local lock_timeout = '5s';
set local citus.enable_unsafe_triggers = on;
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION analytics.set_issue_status(organization_id uuid, issue_id uuid, new_status text, note text DEFAULT NULL::text)
 RETURNS analytics.issues
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_issue analytics.issues;
begin
  if new_status is null or analytics.allowed_issue_transitions(new_status) is null then
    raise exception 'unknown issue status %', coalesce(quote_literal(new_status), 'NULL')
      using errcode = '22023', hint = 'Allowed: open, confirmed, resolved, false_positive, wont_fix.';
  end if;
  if length(note) > 2000 then
    raise exception 'a status note is limited to 2000 characters (got %)', length(note)
      using errcode = '22023';
  end if;
  if base.current_user_id() is not null
     and not base.has_organization_role(set_issue_status.organization_id, 'member') then
    raise exception 'only members of organization % may triage its issues', set_issue_status.organization_id
      using errcode = '42501';
  end if;

  perform set_config('analytics.status_note', coalesce(note, ''), true);
  update analytics.issues as i
     set status = new_status
   where i.organization_id = set_issue_status.organization_id
     and i.id = set_issue_status.issue_id
  returning i.* into v_issue;
  perform set_config('analytics.status_note', '', true);

  if v_issue.id is null then
    raise exception 'issue % not found in organization %', issue_id, organization_id
      using errcode = 'P0002';
  end if;
  return v_issue;
end
$function$

;

CREATE OR REPLACE FUNCTION internal.tg_issues__guard_status()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_allowed text[];
begin
  if tg_op = 'INSERT' then
    if new.status not in ('open', 'confirmed') then
      raise exception 'a new issue is open or confirmed, not %', new.status
        using errcode = '55000';
    end if;
    new.resolved_at := null;
    new.resolved_run_id := null;
    return new;
  end if;

  -- Seen again by a later run while resolved: the same issue, reopened.
  if new.last_seen_run_id is distinct from old.last_seen_run_id and new.last_seen_run_id is not null
     and old.status = 'resolved' and new.status = 'resolved' then
    new.status := 'open';
  end if;

  if new.status is distinct from old.status then
    v_allowed := analytics.allowed_issue_transitions(old.status);
    if not new.status = any (v_allowed) then
      raise exception 'issue % cannot go from % to %: allowed next states are %',
                      old.id, old.status, new.status, array_to_string(v_allowed, ', ')
        using errcode = '55000',
              hint = 'open/confirmed -> confirmed, open, resolved, false_positive, wont_fix; resolved, false_positive, wont_fix -> open.';
    end if;
  end if;

  if new.status = 'resolved' then
    new.resolved_at := coalesce(new.resolved_at, now());
  else
    new.resolved_at := null;
    new.resolved_run_id := null;
  end if;
  return new;
end
$function$

;

comment on function internal.tg_issues__guard_status() is
  'BEFORE INSERT/UPDATE on analytics.issues: new issues are open or confirmed; a resolved issue whose last_seen_run_id moves to another run is reopened; status changes follow analytics.allowed_issue_transitions() (55000); resolved_at/resolved_run_id are kept only while resolved.';

CREATE OR REPLACE FUNCTION internal.tg_analysis_runs__guard_status()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$

;

comment on function internal.tg_analysis_runs__guard_status() is
  'BEFORE INSERT/UPDATE OF status on analysis_runs: new runs are queued or running; changes follow analytics.allowed_run_transitions() (55000, naming the allowed states); stamps started_at/finished_at; computes the run''s summary from its file results when it succeeds or fails.';

drop trigger _000_check_status_transition on analytics.issues;
drop trigger _000_check_status_transition on analytics.analysis_runs;

delete from base.status_transitions where machine in ('analytics.analysis_runs.status', 'analytics.issues.status');

commit;
