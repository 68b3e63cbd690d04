-- Deploy platform:analytics/status_machine to pg
-- The analysis-run and code-issue lifecycles become rows of base.status_transitions (machines
-- analytics.analysis_runs.status and analytics.issues.status), enforced by the package's one
-- transition trigger (base/status_machines) with its one 55000 message.
-- analytics.allowed_run_transitions() and analytics.allowed_issue_transitions() go (dropped by the
-- reworks of analytics/run_lifecycle and analytics/issues): UIs read the table. The guards keep what is not a transition (initial states, reopening a resolved
-- issue seen again, the stamps, a run's summary); set_issue_status() reads the table.

begin;

set local lock_timeout = '5s';
-- Citus: triggers on distributed tables (a placeholder setting where Citus is absent).
set local citus.enable_unsafe_triggers = on;
-- Citus: function DDL after trigger DDL on distributed tables needs sequential shard commands.
set local citus.multi_shard_modify_mode = 'sequential';

insert into base.status_transitions (machine, from_status, to_status) values
  ('analytics.analysis_runs.status', 'queued',  'running'),
  ('analytics.analysis_runs.status', 'queued',  'cancelled'),
  ('analytics.analysis_runs.status', 'queued',  'failed'),
  ('analytics.analysis_runs.status', 'running', 'succeeded'),
  ('analytics.analysis_runs.status', 'running', 'failed'),
  ('analytics.analysis_runs.status', 'running', 'cancelled'),
  ('analytics.issues.status', 'open',           'confirmed'),
  ('analytics.issues.status', 'open',           'resolved'),
  ('analytics.issues.status', 'open',           'false_positive'),
  ('analytics.issues.status', 'open',           'wont_fix'),
  ('analytics.issues.status', 'confirmed',      'open'),
  ('analytics.issues.status', 'confirmed',      'resolved'),
  ('analytics.issues.status', 'confirmed',      'false_positive'),
  ('analytics.issues.status', 'confirmed',      'wont_fix'),
  ('analytics.issues.status', 'resolved',       'open'),
  ('analytics.issues.status', 'false_positive', 'open'),
  ('analytics.issues.status', 'wont_fix',       'open');

create trigger _000_check_status_transition
  before update of status on analytics.analysis_runs
  for each row when (old.status is distinct from new.status)
  execute function internal.tg__check_status_transition('analytics.analysis_runs.status', 'status');

create trigger _000_check_status_transition
  before update of status on analytics.issues
  for each row when (old.status is distinct from new.status)
  execute function internal.tg__check_status_transition('analytics.issues.status', 'status');

CREATE OR REPLACE FUNCTION internal.tg_analysis_runs__guard_status()
 RETURNS trigger
 LANGUAGE plpgsql
 VOLATILE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
  'BEFORE INSERT/UPDATE OF status on analysis_runs: new runs are queued or running (55000); a change (already checked against base.status_transitions by _000_check_status_transition) stamps started_at/finished_at and, when the run succeeds or fails, computes its summary from its file results.';

CREATE OR REPLACE FUNCTION internal.tg_issues__guard_status()
 RETURNS trigger
 LANGUAGE plpgsql
 VOLATILE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
  'BEFORE INSERT/UPDATE on analytics.issues: new issues are open or confirmed (55000); a resolved issue whose last_seen_run_id moves to another run is reopened; resolved_at/resolved_run_id are kept only while resolved. Status changes are checked against base.status_transitions by _000_check_status_transition.';

CREATE OR REPLACE FUNCTION analytics.set_issue_status(organization_id uuid, issue_id uuid, new_status text, note text DEFAULT NULL::text)
 RETURNS analytics.issues
 LANGUAGE plpgsql
 VOLATILE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_issue analytics.issues;
begin
  if new_status is null or length(new_status) > 64
     or not exists (select from base.status_transitions as t
                     where t.machine = 'analytics.issues.status'
                       and new_status in (t.from_status, t.to_status)) then
    raise exception 'unknown issue status %', coalesce(quote_literal(left(new_status, 64)), 'NULL')
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

-- Replaced by base.status_transitions: a breaking change, listed in the CHANGELOG.
-- Replaced by base.status_transitions: a breaking change, listed in the CHANGELOG.

commit;
