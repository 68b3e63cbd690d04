-- Verify platform:prompts/effectiveness_views on pg

begin;

select organization_id, template_id, template_version_id, version, variation_id, executions, finished,
       succeeded, success_rate, feedback_count, ratings, mean_rating, thumbs_up_rate, p50_latency_ms,
       p95_latency_ms, input_tokens, output_tokens, total_tokens, total_cost_usd, first_started_at,
       last_started_at
  from prompts.template_version_effectiveness
 where false;

select organization_id, experiment_id, experiment_name, template_id, variation_count, total_executions,
       leading_variation_id, leading_variation_name, leading_executions, leading_success_rate,
       leading_mean_rating, leading_ratings, runner_up_variation_id, runner_up_executions,
       runner_up_success_rate, arms
  from prompts.experiment_results
 where false;

-- Both must run with the caller's rights, or RLS would not apply.
select 1 / (count(*) = 2)::int
  from pg_catalog.pg_class
 where oid in ('prompts.template_version_effectiveness'::regclass, 'prompts.experiment_results'::regclass)
   and reloptions @> array['security_invoker=true'];

rollback;
