-- Deploy platform:analytics/analysis_runs to pg
-- One run of one or more analysis tools on one repository at a commit and branch.
--   * repository: a composite foreign key to projects.repositories, so a run always belongs to
--     a repository of its own organization (and goes with it);
--   * task_id: a soft reference to tasks.tasks (no FK) because the tasks module may move
--     finished tasks out of its hot table;
--   * the summary columns (files_analyzed ... quality_score) are computed by the database when
--     the run finishes (analytics/run_lifecycle), never written by clients;
--   * the status lifecycle and its stamps live in analytics/run_lifecycle.

begin;

create table analytics.analysis_runs (
  organization_id       uuid          not null,
  id                    uuid          not null default base.uuid_generate_v7(),
  repository_id         uuid          not null,
  task_id               uuid,
  commit_sha            text          not null,
  branch                text,
  tools                 jsonb         not null,
  status                text          not null default 'queued',
  started_at            timestamptz,
  finished_at           timestamptz,
  error_message         text,
  files_analyzed        integer,
  lines_of_code         bigint,
  comment_lines         bigint,
  coverage_pct          numeric(5,2),
  duplication_pct       numeric(5,2),
  complexity_total      bigint,
  maintainability_avg   numeric(5,2),
  issue_count           integer,
  new_issue_count       integer,
  resolved_issue_count  integer,
  quality_score         numeric(5,2),
  created_at            timestamptz   not null default now(),
  updated_at            timestamptz   not null default now(),
  constraint analysis_runs_pkey primary key (organization_id, id),
  constraint analysis_runs_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint analysis_runs_organization_id_repository_id_fkey foreign key (organization_id, repository_id)
    references projects.repositories (organization_id, id) on delete cascade,
  constraint analysis_runs_commit_sha_check check (commit_sha ~ '^([0-9a-f]{40}|[0-9a-f]{64})$'),
  constraint analysis_runs_branch_check check (projects.is_valid_branch_name(branch)),
  -- {"eslint": "9.1.0", "semgrep": "1.70.0"}: tool name -> version string, at least one tool.
  constraint analysis_runs_tools_check
    check (jsonb_typeof(tools) = 'object' and tools <> '{}' and pg_column_size(tools) <= 8192
           and not jsonb_path_exists(tools, '$.keyvalue() ? (!(@.key like_regex "^[a-z0-9][a-z0-9_.-]{0,62}$") || @.value.type() != "string")')),
  constraint analysis_runs_status_check
    check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  constraint analysis_runs_started_at_check check (status not in ('running', 'succeeded') or started_at is not null),
  constraint analysis_runs_finished_at_check
    check ((finished_at is not null) = (status in ('succeeded', 'failed', 'cancelled'))
           and finished_at >= started_at),
  constraint analysis_runs_error_message_check check (length(error_message) <= 10000),
  constraint analysis_runs_files_analyzed_check check (files_analyzed >= 0),
  constraint analysis_runs_lines_of_code_check check (lines_of_code >= 0 and comment_lines >= 0),
  constraint analysis_runs_coverage_pct_check check (coverage_pct between 0 and 100),
  constraint analysis_runs_duplication_pct_check check (duplication_pct between 0 and 100),
  constraint analysis_runs_complexity_total_check check (complexity_total >= 0),
  constraint analysis_runs_maintainability_avg_check check (maintainability_avg between 0 and 100),
  constraint analysis_runs_issue_count_check
    check (issue_count >= 0 and new_issue_count >= 0 and resolved_issue_count >= 0),
  constraint analysis_runs_quality_score_check check (quality_score between 0 and 100)
);

-- A repository's runs, newest first; also the index behind the repository FK (its two columns
-- lead, in the other order, so that the single-id API can search by repository_id alone).
create index analysis_runs_repository_id_organization_id_idx
  on analytics.analysis_runs (repository_id, organization_id, created_at desc);
-- "The latest successful run of a repository": the quality score and the overview start here.
create index analysis_runs_repository_id_succeeded_idx
  on analytics.analysis_runs (repository_id, finished_at desc) include (organization_id)
  where status = 'succeeded';
-- Runs in flight, per organization (dashboards, stuck-run alerts).
create index analysis_runs_organization_id_active_idx
  on analytics.analysis_runs (organization_id, created_at) where status in ('queued', 'running');
-- The runs a task executed (soft reference, see task_id).
create index analysis_runs_task_id_idx on analytics.analysis_runs (task_id) where task_id is not null;

comment on table analytics.analysis_runs is
  'One run of one or more analysis tools on a repository at a commit. Lifecycle queued -> running -> succeeded | failed | cancelled (queued -> cancelled | failed). Summary columns are computed when it finishes.';
comment on column analytics.analysis_runs.task_id is
  'The tasks.tasks row that executed the run. Soft reference (no FK): finished tasks may leave the tasks module''s hot table.';
comment on column analytics.analysis_runs.commit_sha is 'Analysed commit: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.';
comment on column analytics.analysis_runs.branch is 'Analysed branch (git branch name), if any.';
comment on column analytics.analysis_runs.tools is 'The tools that ran and their versions: {"eslint": "9.1.0", ...}; at least one. Auto-resolution of issues only touches issues of these tools.';
comment on column analytics.analysis_runs.status is 'queued, running, succeeded, failed or cancelled; transitions validated by trigger (55000).';
comment on column analytics.analysis_runs.files_analyzed is 'Computed when the run finishes: number of file_analysis rows.';
comment on column analytics.analysis_runs.lines_of_code is 'Computed: sum of the files'' code lines.';
comment on column analytics.analysis_runs.comment_lines is 'Computed: sum of the files'' comment lines.';
comment on column analytics.analysis_runs.coverage_pct is 'Computed: code-line-weighted mean coverage of the files that report coverage; NULL when none does.';
comment on column analytics.analysis_runs.duplication_pct is 'Computed: code-line-weighted mean duplication of the files that report it.';
comment on column analytics.analysis_runs.complexity_total is 'Computed: sum of the files'' cyclomatic complexity.';
comment on column analytics.analysis_runs.maintainability_avg is 'Computed: code-line-weighted mean maintainability index.';
comment on column analytics.analysis_runs.issue_count is 'Computed on success: issues this run reported.';
comment on column analytics.analysis_runs.new_issue_count is 'Computed on success: issues first seen in this run.';
comment on column analytics.analysis_runs.resolved_issue_count is 'Computed on success: open issues of the run''s tools that it no longer saw (auto-resolved).';
comment on column analytics.analysis_runs.quality_score is 'Computed on success: the repository''s quality score right after this run (a snapshot; analytics.calculate_quality_score gives the live value).';

create trigger _100_set_updated_at
  before update on analytics.analysis_runs
  for each row execute function base.tg__set_updated_at();

alter table analytics.analysis_runs enable row level security;

create policy select_viewer on analytics.analysis_runs
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on analytics.analysis_runs is 'Every member of the organization reads its analysis runs.';

create policy insert_member on analytics.analysis_runs
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on analytics.analysis_runs is 'Members (and CI acting as them) start runs.';

create policy update_member on analytics.analysis_runs
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on analytics.analysis_runs is 'Members move runs through their lifecycle.';

create policy delete_admin on analytics.analysis_runs
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on analytics.analysis_runs is 'Only admins delete runs (with their results).';

create policy all_service_role on analytics.analysis_runs
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.analysis_runs is 'Trusted services (tool adapters, workers) manage every run.';

grant select, delete on analytics.analysis_runs to authenticated;
grant insert (organization_id, repository_id, task_id, commit_sha, branch, tools, status, started_at)
  on analytics.analysis_runs to authenticated;
grant update (status, started_at, finished_at, error_message) on analytics.analysis_runs to authenticated;
grant select, insert, update, delete on analytics.analysis_runs to service_role;

commit;
