-- Revert platform:base/policy_names from pg

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

alter policy update_member_self on prompts.prompt_feedback rename to update_self;
alter policy select_viewer on tasks.workflows rename to select_member;
alter policy select_viewer on tasks.tasks rename to select_member;
alter policy select_viewer on tasks.task_resource_usage rename to select_member;
alter policy select_viewer on tasks.task_idempotency_keys rename to select_member;
alter policy select_viewer on tasks.task_history rename to select_member;
alter policy select_viewer on tasks.task_execution_logs rename to select_member;
alter policy select_viewer on tasks.task_dependencies rename to select_member;
alter policy select_viewer on tasks.task_definitions rename to select_member;
alter policy select_viewer on prompts.context_data rename to select_viewer_fresh;
alter policy select_viewer on events.slack_events rename to select_member;
alter policy select_viewer on events.linear_events rename to select_member;
alter policy select_viewer on events.github_events rename to select_member;
alter policy select_viewer on events.events rename to select_member;
alter policy select_viewer on events.event_types rename to select_member;
alter policy select_viewer on events.event_subscriptions rename to select_member;
alter policy select_viewer on events.event_processing_logs rename to select_member;
alter policy select_viewer on events.event_deliveries rename to select_member;
alter policy select_viewer on events.deployment_events rename to select_member;
alter policy select_viewer on base.organizations rename to select_member;
alter policy select_viewer on base.organization_members rename to select_member;
alter policy select_platform_monitor on monitoring.maintenance_runs rename to select_monitor;
alter policy select_platform_monitor on monitoring.maintenance_jobs rename to select_monitor;
alter policy select_platform_monitor on monitoring.finding_sources rename to select_monitor;
alter policy select_platform_monitor on monitoring.alert_thresholds rename to select_monitor;
alter policy select_authenticated on analytics.quality_score_weights rename to select_all;
alter policy select_authenticated on analytics.issue_severity_weights rename to select_all;
alter policy delete_admin_or_self on prompts.prompt_feedback rename to delete_self_or_admin;
alter policy delete_admin_or_lead_or_self on projects.project_members rename to delete_admin_lead_or_self;

commit;
