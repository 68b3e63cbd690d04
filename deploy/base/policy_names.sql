-- Deploy platform:base/policy_names to pg
-- One policy naming scheme: <command>_<who>, the name saying who may run the command.
--   * <who> is the lowest organization role the policy admits (viewer < member < admin < owner):
--     select_viewer, insert_member, update_admin, delete_owner;
--   * a policy that admits a whole database role, whatever the organization (using (true)), is
--     named after that role: all_service_role, select_platform_monitor, select_authenticated;
--   * `self` is the caller's own row (base.current_user_id()): `<role>_self` only their own rows
--     (insert_member_self), `_or_self` also their own rows (delete_admin_or_self); the other
--     alternatives after `_or_` are `lead` (a member leading the project), `invitee` and
--     `colleague`.
-- The viewer-read policy was select_member on 19 tables and select_viewer on 22; those and the
-- other names that did not say who (select_all, select_monitor, select_viewer_fresh,
-- delete_self_or_admin, delete_admin_lead_or_self, prompt_feedback's update_self) are renamed.
-- tests/pgtap/schema/naming.sql holds the scheme, comparing each name with its expression.
-- A rename keeps the policy's expression and comment; on Citus (citus/distribute, which re-created
-- some policies in Citus form) the rename is propagated to the shards.

-- squawk (renaming-object) warns that a rename may break clients: these are the point of the
-- change, and a breaking one only for code that names a policy (listed in the CHANGELOG).
-- squawk-ignore-file renaming-object

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

alter policy delete_admin_lead_or_self on projects.project_members rename to delete_admin_or_lead_or_self;
alter policy delete_self_or_admin on prompts.prompt_feedback rename to delete_admin_or_self;
alter policy select_all on analytics.issue_severity_weights rename to select_authenticated;
alter policy select_all on analytics.quality_score_weights rename to select_authenticated;
alter policy select_monitor on monitoring.alert_thresholds rename to select_platform_monitor;
alter policy select_monitor on monitoring.finding_sources rename to select_platform_monitor;
alter policy select_monitor on monitoring.maintenance_jobs rename to select_platform_monitor;
alter policy select_monitor on monitoring.maintenance_runs rename to select_platform_monitor;
alter policy select_member on base.organization_members rename to select_viewer;
alter policy select_member on base.organizations rename to select_viewer;
alter policy select_member on events.deployment_events rename to select_viewer;
alter policy select_member on events.event_deliveries rename to select_viewer;
alter policy select_member on events.event_processing_logs rename to select_viewer;
alter policy select_member on events.event_subscriptions rename to select_viewer;
alter policy select_member on events.event_types rename to select_viewer;
alter policy select_member on events.events rename to select_viewer;
alter policy select_member on events.github_events rename to select_viewer;
alter policy select_member on events.linear_events rename to select_viewer;
alter policy select_member on events.slack_events rename to select_viewer;
alter policy select_viewer_fresh on prompts.context_data rename to select_viewer;
alter policy select_member on tasks.task_definitions rename to select_viewer;
alter policy select_member on tasks.task_dependencies rename to select_viewer;
alter policy select_member on tasks.task_execution_logs rename to select_viewer;
alter policy select_member on tasks.task_history rename to select_viewer;
alter policy select_member on tasks.task_idempotency_keys rename to select_viewer;
alter policy select_member on tasks.task_resource_usage rename to select_viewer;
alter policy select_member on tasks.tasks rename to select_viewer;
alter policy select_member on tasks.workflows rename to select_viewer;
alter policy update_self on prompts.prompt_feedback rename to update_member_self;

commit;
