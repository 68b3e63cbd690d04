-- Deploy platform:analytics/issues to pg
-- Code issues reported by tools, tracked across runs by fingerprint:
--   * one row per (organization, repository, fingerprint): the same fingerprint seen in a later
--     run is the same issue, never a duplicate (unique key; report with INSERT ... ON CONFLICT
--     on it, as analytics.record_analysis_run does);
--   * seen again while resolved -> reopened (trigger, whatever the path);
--   * not seen by a successful run of its tool -> resolved automatically (analytics/run_lifecycle);
--   * false_positive and wont_fix are decisions of people: a tool seeing the issue again does not
--     undo them, and they do not count against the quality score;
--   * status changes are validated (55000 naming the allowed states) and every change is kept
--     in analytics.issue_status_history (analytics/issue_status_history).
--
-- Issue lifecycle:
--   open      -> confirmed | resolved | false_positive | wont_fix
--   confirmed -> open | resolved | false_positive | wont_fix
--   resolved | false_positive | wont_fix -> open

begin;

create table analytics.issues (
  organization_id    uuid        not null,
  id                 uuid        not null default base.uuid_generate_v7(),
  repository_id      uuid        not null,
  fingerprint        text        not null,
  tool               text        not null,
  rule_id            text        not null,
  severity           text        not null,
  type               text        not null,
  file_path          text,
  line               integer,
  message            text        not null,
  status             text        not null default 'open',
  first_seen_run_id  uuid,
  last_seen_run_id   uuid,
  resolved_run_id    uuid,
  first_seen_at      timestamptz not null default now(),
  last_seen_at       timestamptz not null default now(),
  resolved_at        timestamptz,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  constraint issues_pkey primary key (organization_id, id),
  constraint issues_organization_id_repository_id_fingerprint_key unique (organization_id, repository_id, fingerprint),
  constraint issues_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint issues_organization_id_repository_id_fkey foreign key (organization_id, repository_id)
    references projects.repositories (organization_id, id) on delete cascade,
  -- Runs may be deleted (retention, admins); the issue stays and forgets that run.
  constraint issues_organization_id_first_seen_run_id_fkey foreign key (organization_id, first_seen_run_id)
    references analytics.analysis_runs (organization_id, id) on delete set null (first_seen_run_id),
  constraint issues_organization_id_last_seen_run_id_fkey foreign key (organization_id, last_seen_run_id)
    references analytics.analysis_runs (organization_id, id) on delete set null (last_seen_run_id),
  constraint issues_organization_id_resolved_run_id_fkey foreign key (organization_id, resolved_run_id)
    references analytics.analysis_runs (organization_id, id) on delete set null (resolved_run_id),
  constraint issues_fingerprint_check check (length(fingerprint) between 1 and 200),
  constraint issues_tool_check check (tool ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  constraint issues_rule_id_check check (length(rule_id) between 1 and 200),
  constraint issues_severity_check check (severity in ('info', 'minor', 'major', 'critical', 'blocker')),
  constraint issues_type_check check (type in ('bug', 'vulnerability', 'code_smell', 'security_hotspot')),
  constraint issues_file_path_check
    check (length(file_path) between 1 and 4096 and file_path !~ '^/' and file_path !~ '[[:cntrl:]]'),
  constraint issues_line_check check (line >= 1),
  constraint issues_message_check check (length(message) between 1 and 4000),
  constraint issues_status_check check (status in ('open', 'confirmed', 'resolved', 'false_positive', 'wont_fix')),
  constraint issues_resolved_at_check check ((resolved_at is not null) = (status = 'resolved')),
  constraint issues_last_seen_at_check check (last_seen_at >= first_seen_at)
);

-- Open issues of a repository by severity: the quality score and the overview count these
-- from the index alone (organization_id is included for the RLS filter).
create index issues_repository_id_open_idx
  on analytics.issues (repository_id, severity) include (organization_id, tool)
  where status in ('open', 'confirmed');
create index issues_organization_id_first_seen_run_id_idx
  on analytics.issues (organization_id, first_seen_run_id) where first_seen_run_id is not null;
create index issues_organization_id_last_seen_run_id_idx
  on analytics.issues (organization_id, last_seen_run_id) where last_seen_run_id is not null;
create index issues_organization_id_resolved_run_id_idx
  on analytics.issues (organization_id, resolved_run_id) where resolved_run_id is not null;

comment on table analytics.issues is
  'Code issues (rule violations, vulnerabilities...) per repository, one row per fingerprint across runs. Reopened when seen again while resolved; resolved automatically when a successful run of its tool no longer sees it. History in analytics.issue_status_history.';
comment on column analytics.issues.fingerprint is 'Stable identity of the issue given by the tool (rule + location hash...); unique per repository.';
comment on column analytics.issues.tool is 'The tool that reports it (a key of analysis_runs.tools).';
comment on column analytics.issues.rule_id is 'The tool''s rule, e.g. no-unused-vars or python.lang.security.audit.';
comment on column analytics.issues.severity is 'info, minor, major, critical or blocker (weights: analytics.issue_severity_weights).';
comment on column analytics.issues.type is 'bug, vulnerability, code_smell or security_hotspot.';
comment on column analytics.issues.status is
  'open, confirmed, resolved, false_positive or wont_fix. open/confirmed -> any other; resolved/false_positive/wont_fix -> open. Validated by trigger (55000).';
comment on column analytics.issues.first_seen_run_id is 'The run that first reported the issue.';
comment on column analytics.issues.last_seen_run_id is 'The latest run that reported the issue; changing it to a new run reopens a resolved issue.';
comment on column analytics.issues.resolved_run_id is 'The successful run that no longer saw the issue (automatic resolution); NULL for a manual one.';
comment on column analytics.issues.resolved_at is 'When it was resolved; set exactly while status = resolved.';

create trigger _100_set_updated_at
  before update on analytics.issues
  for each row execute function base.tg__set_updated_at();

create function analytics.allowed_issue_transitions(p_status text)
returns text[]
language sql
immutable
strict
parallel safe
as $$
  select case when (length(p_status) <= 64 or base.refuse_oversized('p_status', length(p_status), 64)) then case p_status
           when 'open'           then array['confirmed', 'resolved', 'false_positive', 'wont_fix']
           when 'confirmed'      then array['open', 'resolved', 'false_positive', 'wont_fix']
           when 'resolved'       then array['open']
           when 'false_positive' then array['open']
           when 'wont_fix'       then array['open']
         end end
$$;

comment on function analytics.allowed_issue_transitions(text) is
  'The statuses a code issue in p_status may move to next (NULL for an unknown status).';
revoke execute on function analytics.allowed_issue_transitions(text) from public;
grant execute on function analytics.allowed_issue_transitions(text) to authenticated, service_role;

-- BEFORE INSERT OR UPDATE: reopen on sight, validate status changes, keep the stamps true.
create function internal.tg_issues__guard_status()
returns trigger
language plpgsql
volatile
as $$
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
$$;

comment on function internal.tg_issues__guard_status() is
  'BEFORE INSERT/UPDATE on analytics.issues: new issues are open or confirmed; a resolved issue whose last_seen_run_id moves to another run is reopened; status changes follow analytics.allowed_issue_transitions() (55000); resolved_at/resolved_run_id are kept only while resolved.';
revoke execute on function internal.tg_issues__guard_status() from public;

create trigger _200_guard_status
  before insert or update on analytics.issues
  for each row execute function internal.tg_issues__guard_status();

alter table analytics.issues enable row level security;

create policy select_viewer on analytics.issues
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on analytics.issues is 'Every member of the organization reads code issues.';

create policy insert_member on analytics.issues
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on analytics.issues is 'Members (and CI acting as them) report issues.';

create policy update_member on analytics.issues
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on analytics.issues is 'Members triage issues (confirm, mark false positive or won''t fix, reopen) and tools re-report them.';

create policy delete_admin on analytics.issues
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on analytics.issues is 'Only admins delete issues (and their history).';

create policy all_service_role on analytics.issues
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.issues is 'Trusted services manage every issue.';

grant select, delete on analytics.issues to authenticated;
grant insert (organization_id, repository_id, fingerprint, tool, rule_id, severity, type, file_path, line,
              message, status, first_seen_run_id, last_seen_run_id, first_seen_at, last_seen_at)
  on analytics.issues to authenticated;
grant update (tool, rule_id, severity, type, file_path, line, message, status, last_seen_run_id, last_seen_at)
  on analytics.issues to authenticated;
grant select, insert, update, delete on analytics.issues to service_role;

commit;
