-- Deploy platform:analytics/file_analysis to pg
-- Per-file results of a run. The big table of the module (the target is 5M rows), so:
--   * rows are immutable results: no updated_at, no UPDATE grant; they leave with their run;
--   * three indexes only: the primary key, one file per run (organization_id, run_id, file_path)
--     which also serves the run FK, and (organization_id, run_id, complexity desc) which serves
--     the overview's complexity hot spots without sorting the run's files;
--   * ranges are enforced: no negative line counts, percentages and maintainability 0-100;
--   * results are accepted only while their run is queued or running, so the summary computed
--     when the run finishes stays true (a statement-level trigger over the inserted rows).

begin;

create table analytics.file_analysis (
  organization_id        uuid          not null,
  id                     uuid          not null default base.uuid_generate_v7(),
  run_id                 uuid          not null,
  file_path              text          not null,
  language               text,
  lines_code             integer       not null default 0,
  lines_comment          integer       not null default 0,
  lines_blank            integer       not null default 0,
  complexity             integer,
  duplication_pct        numeric(5,2),
  coverage_pct           numeric(5,2),
  maintainability_index  numeric(5,2),
  created_at             timestamptz   not null default now(),
  constraint file_analysis_pkey primary key (organization_id, id),
  constraint file_analysis_organization_id_run_id_file_path_key unique (organization_id, run_id, file_path),
  constraint file_analysis_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint file_analysis_organization_id_run_id_fkey foreign key (organization_id, run_id)
    references analytics.analysis_runs (organization_id, id) on delete cascade,
  constraint file_analysis_file_path_check
    check (length(file_path) between 1 and 4096 and file_path !~ '^/' and file_path !~ '[[:cntrl:]]'),
  constraint file_analysis_language_check check (length(language) between 1 and 64),
  constraint file_analysis_lines_code_check check (lines_code >= 0),
  constraint file_analysis_lines_comment_check check (lines_comment >= 0),
  constraint file_analysis_lines_blank_check check (lines_blank >= 0),
  constraint file_analysis_complexity_check check (complexity >= 0),
  constraint file_analysis_duplication_pct_check check (duplication_pct between 0 and 100),
  constraint file_analysis_coverage_pct_check check (coverage_pct between 0 and 100),
  constraint file_analysis_maintainability_index_check check (maintainability_index between 0 and 100)
);

create index file_analysis_organization_id_run_id_complexity_idx
  on analytics.file_analysis (organization_id, run_id, complexity desc nulls last);

comment on table analytics.file_analysis is
  'Per-file results of an analysis run: lines, complexity, duplication, coverage, maintainability. Immutable; accepted only while the run is queued or running.';
comment on column analytics.file_analysis.file_path is 'Path relative to the repository root (no leading slash); unique per run.';
comment on column analytics.file_analysis.lines_code is 'Lines of code (>= 0).';
comment on column analytics.file_analysis.lines_comment is 'Comment lines (>= 0).';
comment on column analytics.file_analysis.lines_blank is 'Blank lines (>= 0).';
comment on column analytics.file_analysis.complexity is 'Cyclomatic complexity of the whole file (>= 0).';
comment on column analytics.file_analysis.duplication_pct is 'Share of the file''s lines duplicated elsewhere, 0-100.';
comment on column analytics.file_analysis.coverage_pct is 'Test line coverage, 0-100; NULL when the run measured none.';
comment on column analytics.file_analysis.maintainability_index is 'Maintainability index normalised to 0-100 (higher is better).';

-- Results may only be added to a run in flight. Statement level with a transition table: one
-- check per INSERT statement, whatever its size. Shared with code_element_analysis.
-- The run's status may change in another transaction at the same moment (the run ends, and its
-- completion trigger aggregates the results it sees). So the check first writes the open runs'
-- rows (updated_at = updated_at: a new row version, no change), which conflicts with that status
-- update: under READ COMMITTED whichever comes second waits, and then either these results see
-- the run ended (55000) or the completion sees these results; under REPEATABLE READ and
-- SERIALIZABLE the second fails with 40001. A share lock would not do: it is not a write, so a
-- REPEATABLE READ completion would still aggregate from a snapshot without these results.
create function internal.tg__require_open_run()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_run    uuid;
  v_status text;
begin
  update analytics.analysis_runs as r
     set updated_at = r.updated_at
    from (select distinct n.organization_id, n.run_id from new_rows as n) as n
   where r.organization_id = n.organization_id and r.id = n.run_id
     and r.status in ('queued', 'running');

  select r.id, r.status into v_run, v_status
    from (select distinct n.organization_id, n.run_id from new_rows as n) as n
    join analytics.analysis_runs as r on r.organization_id = n.organization_id and r.id = n.run_id
   where r.status not in ('queued', 'running')
   limit 1;
  if found then
    raise exception 'analysis run % is %: results are accepted only while a run is queued or running', v_run, v_status
      using errcode = '55000', hint = 'Record results before moving the run to its final status (or start a new run).';
  end if;
  return null;
end
$$;

comment on function internal.tg__require_open_run() is
  'Statement-level AFTER INSERT trigger (transition table new_rows with organization_id, run_id): refuses (55000) results for a run that is no longer queued or running. It writes the open runs'' rows first, so a concurrent end of the run waits (READ COMMITTED) or fails with 40001 (REPEATABLE READ, SERIALIZABLE) and never misses these results. SECURITY DEFINER so the check sees and writes the run whatever the caller (an AFTER trigger: RLS accepted the rows).';
revoke execute on function internal.tg__require_open_run() from public;

create trigger _300_require_open_run
  after insert on analytics.file_analysis
  referencing new table as new_rows
  for each statement execute function internal.tg__require_open_run();

alter table analytics.file_analysis enable row level security;

create policy select_viewer on analytics.file_analysis
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on analytics.file_analysis is 'Every member of the organization reads file results.';

create policy insert_member on analytics.file_analysis
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on analytics.file_analysis is 'Members (and CI acting as them) report file results.';

create policy delete_admin on analytics.file_analysis
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on analytics.file_analysis is 'Only admins delete results.';

create policy all_service_role on analytics.file_analysis
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.file_analysis is 'Trusted services manage every result.';

grant select, delete on analytics.file_analysis to authenticated;
grant insert (organization_id, run_id, file_path, language, lines_code, lines_comment, lines_blank,
              complexity, duplication_pct, coverage_pct, maintainability_index)
  on analytics.file_analysis to authenticated;
grant select, insert, delete on analytics.file_analysis to service_role;

commit;
