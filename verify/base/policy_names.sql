-- Verify platform:base/policy_names on pg

begin;

select 1 / (count(*) = 29)::integer
  from pg_catalog.pg_policy as p
  join (values
    ('projects.project_members', 'delete_admin_or_lead_or_self'),
    ('prompts.prompt_feedback', 'delete_admin_or_self'),
    ('analytics.issue_severity_weights', 'select_authenticated'),
    ('analytics.quality_score_weights', 'select_authenticated'),
    ('monitoring.alert_thresholds', 'select_platform_monitor'),
    ('monitoring.finding_sources', 'select_platform_monitor'),
    ('monitoring.maintenance_jobs', 'select_platform_monitor'),
    ('monitoring.maintenance_runs', 'select_platform_monitor'),
    ('base.organization_members', 'select_viewer'),
    ('base.organizations', 'select_viewer'),
    ('events.deployment_events', 'select_viewer'),
    ('events.event_deliveries', 'select_viewer'),
    ('events.event_processing_logs', 'select_viewer'),
    ('events.event_subscriptions', 'select_viewer'),
    ('events.event_types', 'select_viewer'),
    ('events.events', 'select_viewer'),
    ('events.github_events', 'select_viewer'),
    ('events.linear_events', 'select_viewer'),
    ('events.slack_events', 'select_viewer'),
    ('prompts.context_data', 'select_viewer'),
    ('tasks.task_definitions', 'select_viewer'),
    ('tasks.task_dependencies', 'select_viewer'),
    ('tasks.task_execution_logs', 'select_viewer'),
    ('tasks.task_history', 'select_viewer'),
    ('tasks.task_idempotency_keys', 'select_viewer'),
    ('tasks.task_resource_usage', 'select_viewer'),
    ('tasks.tasks', 'select_viewer'),
    ('tasks.workflows', 'select_viewer'),
    ('prompts.prompt_feedback', 'update_member_self')
       ) as e(tbl, name)
    on p.polrelid = e.tbl::regclass and p.polname = e.name;

rollback;
