-- Deploy platform:base/pin_search_path to pg
-- Every function of the package gets its own search_path = pg_catalog, pg_temp, not only the
-- SECURITY DEFINER ones (which pinned it from the start): a function then means the same whatever
-- path its caller set, and Supabase's advisor 0011 (function_search_path_mutable) stays quiet. The
-- bodies already name every package object with its schema; pg_temp last means a temporary object
-- can never stand in for a built-in either.
-- The cost: the planner never inlines a SQL function that has its own settings. The package's hot
-- paths were measured before and after (README, Supabase; bench/tasks.py and bench/events.py).
-- Functions added after this change pin search_path in their own definition
-- (tests/pgtap/schema/rules.sql holds every function to it).

begin;

set local lock_timeout = '5s';

alter function base.current_user_email() set search_path = pg_catalog, pg_temp;
alter function base.current_user_id() set search_path = pg_catalog, pg_temp;
alter function base.partition_bounds(regclass) set search_path = pg_catalog, pg_temp;
alter function base.partition_period_end(text,timestamp with time zone) set search_path = pg_catalog, pg_temp;
alter function base.partition_period_start(text,timestamp with time zone) set search_path = pg_catalog, pg_temp;
alter function base.tg__set_updated_at() set search_path = pg_catalog, pg_temp;
alter function base.uuid_generate_v7() set search_path = pg_catalog, pg_temp;
alter function base.uuid_v7_timestamp(uuid) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_authorize(uuid,base.organization_role,text) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_cancel_cascade(uuid,uuid[],boolean,text,uuid,text) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_complete_batch(text,uuid[],jsonb[]) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_find(uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_finish(uuid,uuid,text,text,jsonb,text,boolean) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_lock_workflow(uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_raise_not_leased(uuid,uuid,text,text) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_refresh_workflow(uuid,uuid,boolean) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_release_dependants(uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function internal.tasks_start_workflow(uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function internal.tg__append_only() set search_path = pg_catalog, pg_temp;
alter function internal.tg__check_partition_key() set search_path = pg_catalog, pg_temp;
alter function internal.tg_analysis_runs__guard_status() set search_path = pg_catalog, pg_temp;
alter function internal.tg_issues__guard_status() set search_path = pg_catalog, pg_temp;
alter function internal.tg_projects__guard_status() set search_path = pg_catalog, pg_temp;
alter function internal.tg_repository_branches__sync_default_branch() set search_path = pg_catalog, pg_temp;
alter function projects.allowed_project_transitions(text) set search_path = pg_catalog, pg_temp;
alter function projects.is_valid_branch_name(text) set search_path = pg_catalog, pg_temp;
alter function projects.set_default_branch(uuid,uuid,text) set search_path = pg_catalog, pg_temp;
alter function projects.transition_project(uuid,uuid,text,text) set search_path = pg_catalog, pg_temp;
alter function projects.validate_analysis_config(jsonb) set search_path = pg_catalog, pg_temp;
alter function projects.validate_goals(jsonb) set search_path = pg_catalog, pg_temp;
alter function tasks.are_task_dependencies_satisfied(uuid) set search_path = pg_catalog, pg_temp;
alter function tasks.claim_tasks(text,integer,text[]) set search_path = pg_catalog, pg_temp;
alter function tasks.complete_task(uuid,uuid,text,jsonb) set search_path = pg_catalog, pg_temp;
alter function tasks.complete_tasks(text,uuid[],jsonb[]) set search_path = pg_catalog, pg_temp;
alter function tasks.fail_task(uuid,uuid,text,text,boolean) set search_path = pg_catalog, pg_temp;
alter function tasks.heartbeat_task(uuid,uuid,text) set search_path = pg_catalog, pg_temp;
alter function tasks.next_retry_at(integer,interval,interval) set search_path = pg_catalog, pg_temp;
alter function tasks.promote_due_tasks(integer) set search_path = pg_catalog, pg_temp;
alter function tasks.prune_orphans() set search_path = pg_catalog, pg_temp;
alter function tasks.recover_expired_leases() set search_path = pg_catalog, pg_temp;
alter function tasks.retry_delay(integer,interval,interval,double precision) set search_path = pg_catalog, pg_temp;
alter function tasks.tg_tasks__check_status_transition() set search_path = pg_catalog, pg_temp;
alter function tasks.tg_tasks__keep_identity() set search_path = pg_catalog, pg_temp;
alter function tasks.tg_workflows__check_status_transition() set search_path = pg_catalog, pg_temp;
alter function analytics.allowed_issue_transitions(text) set search_path = pg_catalog, pg_temp;
alter function analytics.allowed_run_transitions(text) set search_path = pg_catalog, pg_temp;
alter function analytics.calculate_quality_score(uuid) set search_path = pg_catalog, pg_temp;
alter function analytics.element_ancestors(uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function analytics.element_subtree(uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function analytics.explain_quality_score(uuid) set search_path = pg_catalog, pg_temp;
alter function analytics.quality_score_components(uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function analytics.record_analysis_run(uuid,uuid,jsonb) set search_path = pg_catalog, pg_temp;
alter function analytics.set_issue_status(uuid,uuid,text,text) set search_path = pg_catalog, pg_temp;
alter function prompts.cleanup_expired_context_data() set search_path = pg_catalog, pg_temp;
alter function prompts.execution_cost(uuid,text,timestamp with time zone,integer,integer) set search_path = pg_catalog, pg_temp;
alter function prompts.finish_execution(uuid,text,integer,integer,integer,text,jsonb) set search_path = pg_catalog, pg_temp;
alter function prompts.get_context(uuid,text) set search_path = pg_catalog, pg_temp;
alter function prompts.json_value_has_type(jsonb,text) set search_path = pg_catalog, pg_temp;
alter function prompts.model_price_at(uuid,text,timestamp with time zone) set search_path = pg_catalog, pg_temp;
alter function prompts.organization_search_token(uuid) set search_path = pg_catalog, pg_temp;
alter function prompts.pick_variation(uuid,text) set search_path = pg_catalog, pg_temp;
alter function prompts.placeholder_pattern() set search_path = pg_catalog, pg_temp;
alter function prompts.render_prompt(uuid,jsonb) set search_path = pg_catalog, pg_temp;
alter function prompts.render_template_text(text,jsonb,jsonb) set search_path = pg_catalog, pg_temp;
alter function prompts.render_template_version(uuid,jsonb) set search_path = pg_catalog, pg_temp;
alter function prompts.start_execution(uuid,jsonb,uuid,text,uuid) set search_path = pg_catalog, pg_temp;
alter function prompts.subject_hash(uuid,text) set search_path = pg_catalog, pg_temp;
alter function prompts.template_placeholders(text) set search_path = pg_catalog, pg_temp;
alter function prompts.tg_prompt_executions__compute() set search_path = pg_catalog, pg_temp;
alter function prompts.tg_prompt_templates__guard_active_version() set search_path = pg_catalog, pg_temp;
alter function prompts.utf8_sha256(text) set search_path = pg_catalog, pg_temp;
alter function prompts.validate_template(text,jsonb) set search_path = pg_catalog, pg_temp;
alter function prompts.validate_variable_declarations(jsonb) set search_path = pg_catalog, pg_temp;
alter function events.check_subscription_match(uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function events.claim_deliveries(text,integer,text[]) set search_path = pg_catalog, pg_temp;
alter function events.cleanup_old_events(integer) set search_path = pg_catalog, pg_temp;
alter function events.complete_delivery(uuid,uuid,text,jsonb) set search_path = pg_catalog, pg_temp;
alter function events.deployment_fields(jsonb,text) set search_path = pg_catalog, pg_temp;
alter function events.effective_event_type(uuid,text,text) set search_path = pg_catalog, pg_temp;
alter function events.fail_delivery(uuid,uuid,text,text,boolean,jsonb) set search_path = pg_catalog, pg_temp;
alter function events.fill_source_tables(uuid[],uuid[],timestamp with time zone[],text[],text[],jsonb[]) set search_path = pg_catalog, pg_temp;
alter function events.github_fields(jsonb) set search_path = pg_catalog, pg_temp;
alter function events.heartbeat_delivery(uuid,uuid,text) set search_path = pg_catalog, pg_temp;
alter function events.ingest_event(uuid,text,text,jsonb,text,timestamp with time zone,jsonb) set search_path = pg_catalog, pg_temp;
alter function events.ingest_events(uuid,jsonb) set search_path = pg_catalog, pg_temp;
alter function events.linear_fields(jsonb) set search_path = pg_catalog, pg_temp;
alter function events.payload_required_keys(jsonb) set search_path = pg_catalog, pg_temp;
alter function events.process_pending_events(integer) set search_path = pg_catalog, pg_temp;
alter function events.raise_lease_error(uuid,uuid,text) set search_path = pg_catalog, pg_temp;
alter function events.recover_expired_deliveries() set search_path = pg_catalog, pg_temp;
alter function events.replay_event(uuid,uuid,uuid) set search_path = pg_catalog, pg_temp;
alter function events.retained_tables() set search_path = pg_catalog, pg_temp;
alter function events.retry_delay(integer,integer,integer,double precision) set search_path = pg_catalog, pg_temp;
alter function events.route_events(uuid[],uuid[],timestamp with time zone[],uuid) set search_path = pg_catalog, pg_temp;
alter function events.slack_fields(jsonb) set search_path = pg_catalog, pg_temp;
alter function events.subscription_matches(text,text,jsonb,text,text,jsonb) set search_path = pg_catalog, pg_temp;
alter function events.tg__check_status_transition() set search_path = pg_catalog, pg_temp;
alter function events.validate_event(uuid,text,text,jsonb,text) set search_path = pg_catalog, pg_temp;
alter function monitoring.classify(text,numeric,numeric) set search_path = pg_catalog, pg_temp;
alter function monitoring.data_quality_rows() set search_path = pg_catalog, pg_temp;
alter function monitoring.index_usage_rows() set search_path = pg_catalog, pg_temp;
alter function monitoring.maintenance_job_rows() set search_path = pg_catalog, pg_temp;
alter function monitoring.severity(monitoring.alert_thresholds,numeric,numeric) set search_path = pg_catalog, pg_temp;
alter function monitoring.severity_rank(text) set search_path = pg_catalog, pg_temp;
alter function monitoring.worst_severity(text[]) set search_path = pg_catalog, pg_temp;

commit;
