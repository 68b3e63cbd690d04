-- The effectiveness views on known data: every number computed by hand, and RLS through
-- security_invoker.
begin;
select plan(14);

insert into prompts.models (name, provider, context_window, max_output_tokens) values ('test-model', 'test', 100000, 4096);
insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) values ('test-model', '2000-01-01', 1, 2);

select organization_id as org, member_id as member, admin_id as admin, viewer_id as viewer from tests.create_tenant('effect-a') \gset
select organization_id as other_org, member_id as other_member from tests.create_tenant('effect-b') \gset

select tests.authenticate_as_service_role();
insert into prompts.prompt_templates (organization_id, name) values (:'org', 'T') returning id as tpl \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'org', :'tpl', 'one', 'test-model') returning id as v1 \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'org', :'tpl', 'two', 'test-model') returning id as v2 \gset
insert into prompts.prompt_experiments (organization_id, template_id, name) values (:'org', :'tpl', 'One or two') returning id as exp \gset
insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name, weight)
values (:'org', :'exp', :'tpl', :'v1', 'A', 1) returning id as var_a \gset
insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name, weight)
values (:'org', :'exp', :'tpl', :'v2', 'B', 1) returning id as var_b \gset

-- Version 1 outside the experiment: 2 succeeded (100 ms, 200 ms; 1000 in / 500 out each),
-- 1 failed (300 ms; 10 in), 1 still running.
insert into prompts.prompt_executions (organization_id, template_id, template_version_id, rendered_prompt, input_tokens, output_tokens, latency_ms, status, error_message)
values (:'org', :'tpl', :'v1', 'one', 1000, 500, 100, 'succeeded', null),
       (:'org', :'tpl', :'v1', 'one', 1000, 500, 200, 'succeeded', null),
       (:'org', :'tpl', :'v1', 'one', 10, 0, 300, 'failed', 'boom'),
       (:'org', :'tpl', :'v1', 'one', 0, 0, null, 'running', null);
-- Feedback on them: ratings 5 and 3 on the first, thumbs up on the second, thumbs down on the third.
insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating, thumbs_up)
select :'org', e.id, f.user_id, f.rating, f.thumbs_up
  from (select id, row_number() over (order by latency_ms) as n from prompts.prompt_executions
         where template_version_id = :'v1' and variation_id is null and latency_ms is not null) as e
  join (values (1, :'member'::uuid, 5, null::boolean), (1, :'admin'::uuid, 3, null),
               (2, :'member'::uuid, null, true), (3, :'admin'::uuid, null, false)) as f(n, user_id, rating, thumbs_up)
    on f.n = e.n;

-- Variation A (version 1): 10 finished, latencies 10..100 ms, the last two failed; ratings 4 and 5.
insert into prompts.prompt_executions (organization_id, template_id, template_version_id, variation_id, rendered_prompt,
                                       input_tokens, output_tokens, latency_ms, status, error_message)
select :'org', :'tpl', :'v1', :'var_a', 'one', 100, 100, 10 * i,
       case when i <= 8 then 'succeeded' else 'failed' end, case when i > 8 then 'err' end
  from generate_series(1, 10) as i;
insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating)
select :'org', e.id, :'member', 3 + e.n
  from (select id, row_number() over (order by latency_ms) as n from prompts.prompt_executions where variation_id = :'var_a') as e
 where e.n <= 2;

-- Variation B (version 2): 5 succeeded at 50 ms; one rating of 2.
insert into prompts.prompt_executions (organization_id, template_id, template_version_id, variation_id, rendered_prompt,
                                       input_tokens, output_tokens, latency_ms, status)
select :'org', :'tpl', :'v2', :'var_b', 'two', 200, 0, 50, 'succeeded' from generate_series(1, 5);
insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating)
select :'org', id, :'admin', 2 from prompts.prompt_executions where variation_id = :'var_b' limit 1;

-- Per version and variation -------------------------------------------------------------------------------
select tests.authenticate_as(:'viewer');
select results_eq(
  format($$select version, executions, finished, succeeded, success_rate, feedback_count, ratings, mean_rating, thumbs_up_rate,
                  p50_latency_ms, p95_latency_ms, input_tokens, output_tokens, total_tokens, total_cost_usd
             from prompts.template_version_effectiveness where template_version_id = %L and variation_id is null$$, :'v1'),
  $$values (1, 4::bigint, 3::bigint, 2::bigint, 0.6667::numeric, 4::bigint, 2::bigint, 4.000::numeric, 0.5000::numeric,
            200.0::numeric, 290.0::numeric, 2010::bigint, 1000::bigint, 3010::bigint, 0.00401000::numeric)$$,
  'version 1 outside experiments: 4 runs, 2 of 3 finished succeeded, ratings 5 and 3, one thumb of two up, latency p50 200 / p95 290, 3010 tokens, $0.00401');

select results_eq(
  format($$select executions, finished, succeeded, success_rate, ratings, mean_rating, thumbs_up_rate,
                  p50_latency_ms, p95_latency_ms, total_tokens, total_cost_usd
             from prompts.template_version_effectiveness where variation_id = %L$$, :'var_a'),
  $$values (10::bigint, 10::bigint, 8::bigint, 0.8000::numeric, 2::bigint, 4.500::numeric, null::numeric,
            55.0::numeric, 95.5::numeric, 2000::bigint, 0.00300000::numeric)$$,
  'variation A: 8 of 10 succeeded, ratings 4 and 5, latency p50 55 / p95 95.5 over 10..100 ms, 2000 tokens, $0.003');

select results_eq(
  format($$select version, executions, success_rate, ratings, mean_rating, p50_latency_ms, p95_latency_ms, total_cost_usd
             from prompts.template_version_effectiveness where variation_id = %L$$, :'var_b'),
  $$values (2, 5::bigint, 1.0000::numeric, 1::bigint, 2.000::numeric, 50.0::numeric, 50.0::numeric, 0.00100000::numeric)$$,
  'variation B: version 2, 5 of 5 succeeded, one rating of 2, 50 ms, $0.001');

select is((select count(*)::int from prompts.template_version_effectiveness where template_id = :'tpl'), 3,
          'one row per version and variation that ran');

-- Per experiment --------------------------------------------------------------------------------------------
select results_eq(
  format($$select experiment_name, variation_count, total_executions, leading_variation_name, leading_executions,
                  leading_success_rate, leading_mean_rating, leading_ratings, runner_up_variation_id, runner_up_executions, runner_up_success_rate
             from prompts.experiment_results where experiment_id = %L$$, :'exp'),
  format($$values ('One or two'::text, 2::bigint, 15::bigint, 'B'::text, 5::bigint, 1.0000::numeric, 2.000::numeric, 1::bigint,
                   %L::uuid, 10::bigint, 0.8000::numeric)$$, :'var_a'),
  'B leads on success rate (5/5 against 8/10) and the sample sizes are reported for both');
select is((select jsonb_path_query_array(arms, '$[*].name') from prompts.experiment_results where experiment_id = :'exp'),
          '["B", "A"]'::jsonb, 'arms are listed leader first');
select is((select arms -> 1 ->> 'executions' from prompts.experiment_results where experiment_id = :'exp'), '10',
          'each arm carries its sample size');

-- Ties on success rate go to the better rating: make A perfect too.
select tests.authenticate_as_service_role();
insert into prompts.prompt_executions (organization_id, template_id, template_version_id, variation_id, rendered_prompt, latency_ms, status)
values (:'org', :'tpl', :'v1', :'var_a', 'one', 1, 'running'), (:'org', :'tpl', :'v1', :'var_a', 'one', 1, 'running');
delete from prompts.prompt_executions where variation_id = :'var_a' and status = 'failed';
select is((select leading_variation_name from prompts.experiment_results where experiment_id = :'exp'), 'A',
          'with equal success rates (1.0) the higher mean rating (4.5 against 2.0) leads');
select is((select leading_executions from prompts.experiment_results where experiment_id = :'exp'), 10::bigint,
          'running executions count in the sample size but not in the success rate');

-- An arm that never finished cannot lead.
insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name, weight)
values (:'org', :'exp', :'tpl', :'v2', 'C', 1);
select is((select variation_count from prompts.experiment_results where experiment_id = :'exp'), 3::bigint,
          'an arm without executions is counted');
select is((select arms -> 2 ->> 'name' || ' ' || coalesce(arms -> 2 ->> 'rank', 'unranked') from prompts.experiment_results where experiment_id = :'exp'),
          'C unranked', 'but not ranked');

-- RLS through security_invoker ------------------------------------------------------------------------------
select tests.authenticate_as(:'other_member');
select is_empty('select * from prompts.template_version_effectiveness', 'another organization sees none of these numbers');
select is_empty('select * from prompts.experiment_results', 'nor the experiment results');
select tests.authenticate_as_anon();
select throws_ok('select * from prompts.experiment_results', '42501', 'permission denied for schema prompts',
                 'anonymous callers cannot read the views');

select * from finish();
rollback;
