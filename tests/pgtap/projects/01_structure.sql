-- projects module, layer 1: structure. Tables, keys, composite foreign keys, indexes that
-- serve the rules, policies, privileges, function properties and view options.
begin;
select plan(69);

-- Tables and views ----------------------------------------------------------------------------
select tables_are('projects',
  array['projects', 'project_members', 'project_status_history', 'repositories',
        'repository_branches', 'project_repositories'],
  'the projects schema holds exactly the six module tables');
select views_are('projects', array['project_with_repositories', 'organization_summary'],
  'the projects schema holds exactly the two views');

-- Primary keys lead with the tenant ------------------------------------------------------------
select col_is_pk('projects', 'projects', array['organization_id', 'id'], 'projects: primary key (organization_id, id)');
select col_is_pk('projects', 'project_members', array['organization_id', 'id'], 'project_members: primary key (organization_id, id)');
select col_is_pk('projects', 'project_status_history', array['organization_id', 'id'], 'project_status_history: primary key (organization_id, id)');
select col_is_pk('projects', 'repositories', array['organization_id', 'id'], 'repositories: primary key (organization_id, id)');
select col_is_pk('projects', 'repository_branches', array['organization_id', 'id'], 'repository_branches: primary key (organization_id, id)');
select col_is_pk('projects', 'project_repositories', array['organization_id', 'id'], 'project_repositories: primary key (organization_id, id)');

-- Composite foreign keys: a row can only point inside its own organization -----------------------
select fk_ok('projects', 'projects', array['organization_id', 'owner_id'],
             'base', 'organization_members', array['organization_id', 'user_id'],
             'a project owner must be a member of the project''s organization');
select fk_ok('projects', 'project_members', array['organization_id', 'project_id'],
             'projects', 'projects', array['organization_id', 'id'],
             'project_members -> projects is composite');
select fk_ok('projects', 'project_members', array['organization_id', 'user_id'],
             'base', 'organization_members', array['organization_id', 'user_id'],
             'only members of the organization can join its projects (composite FK to organization_members)');
select fk_ok('projects', 'project_status_history', array['organization_id', 'project_id'],
             'projects', 'projects', array['organization_id', 'id'],
             'project_status_history -> projects is composite');
select fk_ok('projects', 'repository_branches', array['organization_id', 'repository_id'],
             'projects', 'repositories', array['organization_id', 'id'],
             'repository_branches -> repositories is composite');
select fk_ok('projects', 'project_repositories', array['organization_id', 'project_id'],
             'projects', 'projects', array['organization_id', 'id'],
             'project_repositories -> projects is composite');
select fk_ok('projects', 'project_repositories', array['organization_id', 'repository_id'],
             'projects', 'repositories', array['organization_id', 'id'],
             'project_repositories -> repositories is composite');
select fk_ok('projects', 'repositories', array['organization_id'], 'base', 'organizations', array['id'],
             'repositories belong to an organization');

select is((select confdeltype::text from pg_constraint where conname = 'projects_organization_id_owner_id_fkey'),
          'n', 'a departing owner is cleared from the project (on delete set null)');
select is((select confdelsetcols from pg_constraint where conname = 'projects_organization_id_owner_id_fkey'),
          (select array[attnum] from pg_attribute where attrelid = 'projects.projects'::regclass and attname = 'owner_id'),
          'only owner_id is set to null when the owner leaves, never organization_id');
select is((select confdeltype::text from pg_constraint where conname = 'project_members_organization_id_user_id_fkey'),
          'c', 'leaving the organization removes the user from its project teams (cascade)');

-- Indexes behind the rules ----------------------------------------------------------------------
select has_index('projects', 'projects', 'projects_organization_id_name_key', 'projects: name unique per organization');
select index_is_unique('projects', 'projects', 'projects_organization_id_name_key', 'projects_organization_id_name_key is unique');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'projects.projects_organization_id_name_key'::regclass),
          '(deleted_at IS NULL)', 'the project name is unique among live projects only');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'projects.projects_organization_id_slug_key'::regclass),
          '(deleted_at IS NULL)', 'the project slug is unique among live projects only');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'projects.projects_organization_id_status_idx'::regclass),
          '(deleted_at IS NULL)', 'the status index covers live projects only');
select index_is_unique('projects', 'repositories', 'repositories_organization_id_provider_full_name_key',
                       'repositories: full name unique per organization and provider');
select index_is_unique('projects', 'repository_branches', 'repository_branches_organization_id_repository_id_default_key',
                       'repository_branches: at most one default branch per repository');
select is((select pg_get_expr(indpred, indrelid) from pg_index
            where indexrelid = 'projects.repository_branches_organization_id_repository_id_default_key'::regclass),
          'is_default', 'the default-branch index is partial on is_default');
select index_is_unique('projects', 'project_repositories', 'project_repositories_organization_id_project_id_primary_key',
                       'project_repositories: at most one primary repository per project');

-- Triggers ------------------------------------------------------------------------------------
select triggers_are('projects', 'projects',
  array['_000_check_status_transition', '_100_set_updated_at', '_200_guard_status', '_800_record_status_insert', '_800_record_status_update',
        '_900_audit_insert', '_900_audit_update', '_900_audit_delete'],
  'projects: status transitions, updated_at, lifecycle guard, status history and audit triggers');
select triggers_are('projects', 'repositories',
  array['_100_set_updated_at', '_500_check_default_branch', '_900_audit_insert', '_900_audit_update', '_900_audit_delete'],
  'repositories: updated_at, default-branch check and audit triggers');
select triggers_are('projects', 'repository_branches',
  array['_100_set_updated_at', '_200_sync_default_branch', '_500_check_default_branch'],
  'repository_branches: updated_at, default-branch sync and deferred check');
select ok((select tgdeferrable and tginitdeferred from pg_trigger
            where tgrelid = 'projects.repository_branches'::regclass and tgname = '_500_check_default_branch'),
          'the one-default-branch check is deferred to commit');

-- Policies ------------------------------------------------------------------------------------
select policies_are('projects', 'projects',
  array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
  'projects: viewers read, members write, admins soft-delete and delete');
select policies_are('projects', 'project_members',
  array['select_viewer', 'insert_admin_or_lead', 'update_admin_or_lead', 'delete_admin_or_lead_or_self', 'all_service_role'],
  'project_members: admins and leads manage the team');
select policies_are('projects', 'project_status_history', array['select_viewer', 'all_service_role'],
  'project_status_history: read-only for users');
select policies_are('projects', 'repositories',
  array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
  'repositories: viewers read, members write, admins delete');
select policies_are('projects', 'repository_branches',
  array['select_viewer', 'insert_member', 'update_member', 'delete_member', 'all_service_role'],
  'repository_branches: members mirror git');
select policies_are('projects', 'project_repositories',
  array['select_viewer', 'insert_member', 'update_member', 'delete_member', 'all_service_role'],
  'project_repositories: members link and unlink');
select policy_roles_are('projects', 'projects', 'all_service_role', array['service_role'],
  'the service policy applies to service_role only');

-- Privileges ------------------------------------------------------------------------------------
select table_privs_are('projects', 'projects', 'authenticated', array['SELECT', 'DELETE'],
  'authenticated: table-wide SELECT and DELETE on projects, INSERT/UPDATE by column only');
select table_privs_are('projects', 'projects', 'anon', array[]::text[], 'anon has no privilege on projects');
select table_privs_are('projects', 'project_status_history', 'authenticated', array['SELECT'],
  'authenticated only reads the status history');
select column_privs_are('projects', 'projects', 'status', 'authenticated', array['INSERT', 'SELECT', 'UPDATE'],
  'authenticated may set status (the lifecycle trigger validates it)');
select column_privs_are('projects', 'projects', 'status_changed_at', 'authenticated', array['SELECT'],
  'status_changed_at is maintained by the trigger, never written by clients');
select column_privs_are('projects', 'repositories', 'last_analyzed_at', 'authenticated', array['SELECT'],
  'last_analyzed_at is maintained by analytics, never written by clients');
select column_privs_are('projects', 'repositories', 'analysis_config', 'authenticated', array['INSERT', 'SELECT', 'UPDATE'],
  'members write analysis_config');
select column_privs_are('projects', 'project_members', 'user_id', 'authenticated', array['INSERT', 'SELECT'],
  'a team membership never moves to another user');
select table_privs_are('projects', 'repositories', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  'service_role manages repositories');

-- Functions -------------------------------------------------------------------------------------
select function_returns('projects', 'transition_project', array['uuid', 'uuid', 'text', 'text'], 'projects.projects',
  'transition_project() returns the updated project row');
select isnt_definer('projects', 'transition_project', array['uuid', 'uuid', 'text', 'text'],
  'transition_project() runs as the caller, under RLS');
select volatility_is('projects', 'transition_project', array['uuid', 'uuid', 'text', 'text'], 'volatile',
  'transition_project() is volatile');
select isnt_definer('projects', 'set_default_branch', array['uuid', 'uuid', 'text'],
  'set_default_branch() runs as the caller, under RLS');
select is((select count(*)::int from base.status_transitions where machine = 'projects.projects.status'), 8,
  'the project lifecycle is data: its eight transitions are rows of base.status_transitions');
select volatility_is('projects', 'validate_goals', array['jsonb'], 'immutable', 'validate_goals() is immutable (usable in a check)');
select volatility_is('projects', 'validate_analysis_config', array['jsonb'], 'immutable',
  'validate_analysis_config() is immutable (usable in a check)');
select volatility_is('projects', 'is_valid_branch_name', array['text'], 'immutable', 'is_valid_branch_name() is immutable');
select is_definer('internal', 'tg_projects__record_status', array[]::text[],
  'the history trigger writes past RLS');
select isnt_definer('internal', 'tg_projects__guard_status', array[]::text[],
  'the lifecycle guard runs as the caller');
select is_definer('internal', 'led_project_ids', array[]::text[], 'led_project_ids() reads past RLS, like organization_ids_for()');
select is_definer('internal', 'tg_repository_branches__check_default', array[]::text[],
  'the default-branch check sees every branch whatever the caller');
select function_privs_are('projects', 'transition_project', array['uuid', 'uuid', 'text', 'text'], 'anon', array[]::text[],
  'anon cannot call transition_project()');
select function_privs_are('projects', 'transition_project', array['uuid', 'uuid', 'text', 'text'], 'authenticated', array['EXECUTE'],
  'authenticated may call transition_project()');

-- Views respect RLS -----------------------------------------------------------------------------
select ok((select reloptions @> array['security_invoker=true'] from pg_class
            where oid = 'projects.project_with_repositories'::regclass),
          'project_with_repositories is security_invoker (RLS of the caller applies)');
select ok((select reloptions @> array['security_invoker=true'] from pg_class
            where oid = 'projects.organization_summary'::regclass),
          'organization_summary is security_invoker (RLS of the caller applies)');
select table_privs_are('projects', 'project_with_repositories', 'anon', array[]::text[], 'anon cannot read project_with_repositories');

-- Check constraints exist with their conventional names -----------------------------------------
select col_has_check('projects', 'repository_branches', 'head_commit_sha', 'head_commit_sha is checked (hex SHA)');
select col_has_check('projects', 'repositories', 'clone_url', 'clone_url is checked');
select col_has_check('projects', 'projects', array['target_date', 'start_date'], 'target_date is checked against start_date');
select has_column('projects', 'repositories', 'last_analyzed_at', 'repositories.last_analyzed_at exists for analytics to maintain');

select * from finish();
rollback;
