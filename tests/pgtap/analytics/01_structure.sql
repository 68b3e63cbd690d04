-- analytics module, layer 1: structure. Tables, composite keys to projects, partitioning,
-- indexes behind the hot paths, policies, privileges, function properties, view options.
begin;
select plan(56);

select set_eq(
  $$select c.relname::text from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
     where n.nspname = 'analytics' and c.relkind in ('r', 'p') and not c.relispartition$$,
  array['analysis_runs', 'file_analysis', 'code_element_analysis', 'metrics', 'performance_metrics',
        'issues', 'issue_status_history', 'metric_trends', 'issue_severity_weights', 'quality_score_weights'],
  'the analytics schema holds exactly the module tables (partitions aside)');
select views_are('analytics', array['repository_quality_overview'], 'one view: repository_quality_overview');

-- Keys ------------------------------------------------------------------------------------------
select col_is_pk('analytics', 'analysis_runs', array['organization_id', 'id'], 'analysis_runs: primary key (organization_id, id)');
select col_is_pk('analytics', 'file_analysis', array['organization_id', 'id'], 'file_analysis: primary key (organization_id, id)');
select col_is_pk('analytics', 'code_element_analysis', array['organization_id', 'id'], 'code_element_analysis: primary key (organization_id, id)');
select col_is_pk('analytics', 'metrics', array['organization_id', 'id', 'recorded_at'], 'metrics: primary key includes the partition key');
select col_is_pk('analytics', 'performance_metrics', array['organization_id', 'id', 'measured_at'], 'performance_metrics: primary key includes the partition key');
select col_is_pk('analytics', 'issues', array['organization_id', 'id'], 'issues: primary key (organization_id, id)');
select col_is_pk('analytics', 'quality_score_weights', 'component', 'quality_score_weights: one row per component');
select col_is_pk('analytics', 'issue_severity_weights', 'severity', 'issue_severity_weights: one row per severity');

select fk_ok('analytics', 'analysis_runs', array['organization_id', 'repository_id'],
             'projects', 'repositories', array['organization_id', 'id'], 'runs belong to a repository of their organization');
select fk_ok('analytics', 'file_analysis', array['organization_id', 'run_id'],
             'analytics', 'analysis_runs', array['organization_id', 'id'], 'file results belong to a run of their organization');
select fk_ok('analytics', 'code_element_analysis', array['organization_id', 'run_id'],
             'analytics', 'analysis_runs', array['organization_id', 'id'], 'code elements belong to a run');
select fk_ok('analytics', 'code_element_analysis', array['organization_id', 'parent_id'],
             'analytics', 'code_element_analysis', array['organization_id', 'id'], 'the hierarchy is a composite self-reference');
select fk_ok('analytics', 'metrics', array['organization_id', 'repository_id'],
             'projects', 'repositories', array['organization_id', 'id'], 'metrics belong to a repository');
select fk_ok('analytics', 'issues', array['organization_id', 'repository_id'],
             'projects', 'repositories', array['organization_id', 'id'], 'issues belong to a repository');
select fk_ok('analytics', 'issues', array['organization_id', 'last_seen_run_id'],
             'analytics', 'analysis_runs', array['organization_id', 'id'], 'an issue remembers the run that last saw it');
select fk_ok('analytics', 'issue_status_history', array['organization_id', 'issue_id'],
             'analytics', 'issues', array['organization_id', 'id'], 'history belongs to an issue');
select fk_ok('analytics', 'metric_trends', array['organization_id', 'repository_id'],
             'projects', 'repositories', array['organization_id', 'id'], 'trends belong to a repository');
select is((select count(*)::int from pg_constraint where conrelid = 'analytics.analysis_runs'::regclass and contype = 'f'
            and conkey = (select array[attnum] from pg_attribute where attrelid = 'analytics.analysis_runs'::regclass and attname = 'task_id')),
          0, 'task_id is a soft reference: no foreign key to the tasks module');
select is((select confdeltype::text from pg_constraint where conname = 'issues_organization_id_last_seen_run_id_fkey'),
          'n', 'deleting a run keeps its issues (set null on that column only)');

-- Partitioning ------------------------------------------------------------------------------
select is_partitioned('analytics', 'metrics', 'metrics is partitioned');
select is_partitioned('analytics', 'performance_metrics', 'performance_metrics is partitioned');
select results_eq(
  $$select parent_table, granularity, premake, retention from base.partition_config
     where parent_table like 'analytics.%' order by 1$$,
  $$values ('analytics.metrics', 'month', 3, interval '13 months'),
           ('analytics.performance_metrics', 'month', 3, interval '13 months')$$,
  'both partitioned tables are under base partition maintenance, monthly, kept 13 months');
select ok((select count(*) >= 5 from base.partitions where parent_table = 'analytics.metrics'),
          'metrics has its default, current and premade partitions');

-- Indexes behind the hot paths ------------------------------------------------------------------
select index_is_unique('analytics', 'issues', 'issues_organization_id_repository_id_fingerprint_key',
                       'one issue per fingerprint and repository');
select index_is_unique('analytics', 'file_analysis', 'file_analysis_organization_id_run_id_file_path_key',
                       'one result per file and run');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'analytics.analysis_runs_repository_id_succeeded_idx'::regclass),
          '(status = ''succeeded''::text)', 'the latest-successful-run index is partial');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'analytics.issues_repository_id_open_idx'::regclass),
          '(status = ANY (ARRAY[''open''::text, ''confirmed''::text]))', 'the open-issues index is partial');
select is((select amname from pg_class c join pg_am a on a.oid = c.relam where c.oid = 'analytics.code_element_analysis_path_idx'::regclass),
          'gin', 'the element path has a GIN index (subtree queries)');
select has_index('analytics', 'file_analysis', 'file_analysis_organization_id_run_id_complexity_idx',
                 'complexity hot spots come from an index, not a sort');

-- Triggers ------------------------------------------------------------------------------------
select triggers_are('analytics', 'analysis_runs', array['_000_check_status_transition', '_100_set_updated_at', '_200_guard_status', '_800_complete'],
  'analysis_runs: status transitions, updated_at, lifecycle guard, completion');
select triggers_are('analytics', 'issues',
  array['_000_check_status_transition', '_100_set_updated_at', '_200_guard_status', '_800_record_status_insert', '_800_record_status_update'],
  'issues: status transitions, updated_at, status guard (reopen), history');
select triggers_are('analytics', 'file_analysis', array['_300_require_open_run'], 'file_analysis: results only for open runs');

-- Policies ----------------------------------------------------------------------------------
select policies_are('analytics', 'analysis_runs',
  array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
  'analysis_runs: viewers read, members write, admins delete');
select policies_are('analytics', 'file_analysis',
  array['select_viewer', 'insert_member', 'delete_admin', 'all_service_role'], 'file_analysis: immutable results');
select policies_are('analytics', 'metric_trends', array['select_viewer', 'all_service_role'], 'metric_trends: read-only for users');
select policies_are('analytics', 'issue_status_history', array['select_viewer', 'all_service_role'], 'issue history: read-only for users');
select policies_are('analytics', 'quality_score_weights', array['select_authenticated', 'all_service_role'], 'weights: readable by all users, tuned by services');

-- Privileges ----------------------------------------------------------------------------------
select table_privs_are('analytics', 'file_analysis', 'authenticated', array['SELECT', 'DELETE'],
  'file results are never updated by users');
select column_privs_are('analytics', 'analysis_runs', 'quality_score', 'authenticated', array['SELECT'],
  'the run''s score is computed, never written by users');
select column_privs_are('analytics', 'analysis_runs', 'status', 'authenticated', array['INSERT', 'SELECT', 'UPDATE'],
  'users move runs through the lifecycle (validated by trigger)');
select table_privs_are('analytics', 'metric_trends', 'authenticated', array['SELECT'], 'trends are read-only for users');
select table_privs_are('analytics', 'quality_score_weights', 'authenticated', array['SELECT'], 'users read the weights');
select table_privs_are('analytics', 'metrics', 'anon', array[]::text[], 'anon has no privilege on metrics');

-- Functions -------------------------------------------------------------------------------------
select function_returns('analytics', 'calculate_quality_score', array['uuid'], 'numeric',
  'calculate_quality_score(repository_id uuid) returns numeric');
select volatility_is('analytics', 'calculate_quality_score', array['uuid'], 'stable', 'calculate_quality_score() is stable');
select isnt_definer('analytics', 'calculate_quality_score', array['uuid'], 'calculate_quality_score() runs under the caller''s RLS');
select function_returns('analytics', 'record_analysis_run', array['uuid', 'uuid', 'jsonb'], 'uuid',
  'record_analysis_run(organization_id, repository_id, report) returns the run id');
select isnt_definer('analytics', 'record_analysis_run', array['uuid', 'uuid', 'jsonb'], 'record_analysis_run() runs under the caller''s RLS');
select is_definer('internal', 'refresh_metric_trends', array['uuid', 'uuid', 'timestamp with time zone'],
  'refresh_metric_trends() writes trends past RLS (it checks the caller itself)');
select is_definer('internal', 'tg_analysis_runs__complete', array[]::text[], 'run completion writes what users may not (last_analyzed_at, scores)');
select function_privs_are('analytics', 'record_analysis_run', array['uuid', 'uuid', 'jsonb'], 'anon', array[]::text[],
  'anon cannot record runs');

-- The view respects RLS -----------------------------------------------------------------------
select ok((select reloptions @> array['security_invoker=true'] from pg_class
            where oid = 'analytics.repository_quality_overview'::regclass),
          'repository_quality_overview is security_invoker (RLS of the caller applies)');
select is((select relkind::text from pg_class where oid = 'analytics.repository_quality_overview'::regclass), 'v',
          'repository_quality_overview is a plain view (a materialized view could not carry RLS)');
select has_index('projects', 'repositories', 'repositories_id_idx', 'repositories can be found by id alone (single-id API)');

select * from finish();
rollback;
