-- Deploy platform:prompts/effectiveness_views to pg
-- How well each prompt works, and which A/B arm leads. Both views are security_invoker, so the
-- caller's RLS applies to every table they read: a user sees the numbers of their own
-- organizations only.
--   * template_version_effectiveness: one row per (template version, variation) that ran
--     (variation_id NULL for runs outside experiments): executions, success rate over finished
--     executions, mean 1-5 rating and thumbs-up share, p50/p95 latency of finished executions
--     that recorded one, tokens and total cost.
--   * experiment_results: one row per experiment: its arms with their sample sizes, and the
--     leading arm: highest success rate, then highest mean rating, then more executions
--     (arms without a finished execution cannot lead), plus the runner-up for comparison.
-- Feedback counts through its execution, so it leaves the statistics with the execution's
-- partition.

begin;

create view prompts.template_version_effectiveness
with (security_invoker = true) as
with runs as (
  select e.organization_id, e.template_id, e.template_version_id, e.variation_id,
         count(*)                                        as executions,
         count(*) filter (where e.status <> 'running')   as finished,
         count(*) filter (where e.status = 'succeeded')  as succeeded,
         percentile_cont(0.5) within group (order by e.latency_ms)
           filter (where e.status <> 'running')          as p50_latency_ms,
         percentile_cont(0.95) within group (order by e.latency_ms)
           filter (where e.status <> 'running')          as p95_latency_ms,
         sum(e.input_tokens)::bigint                     as input_tokens,
         sum(e.output_tokens)::bigint                    as output_tokens,
         sum(e.cost_usd)                                 as total_cost_usd,
         min(e.started_at)                               as first_started_at,
         max(e.started_at)                               as last_started_at
    from prompts.prompt_executions as e
   group by e.organization_id, e.template_id, e.template_version_id, e.variation_id
), opinions as (
  select e.organization_id, e.template_version_id, e.variation_id,
         count(*)                                 as feedback_count,
         count(f.rating)                          as ratings,
         avg(f.rating)                            as mean_rating,
         count(f.thumbs_up)                       as thumbs,
         count(*) filter (where f.thumbs_up)      as thumbs_up
    from prompts.prompt_feedback as f
    join prompts.prompt_executions as e on e.organization_id = f.organization_id and e.id = f.execution_id
   group by e.organization_id, e.template_version_id, e.variation_id
)
select r.organization_id,
       r.template_id,
       r.template_version_id,
       v.version,
       r.variation_id,
       r.executions,
       r.finished,
       r.succeeded,
       round(r.succeeded::numeric / nullif(r.finished, 0), 4)           as success_rate,
       coalesce(o.feedback_count, 0)                                     as feedback_count,
       coalesce(o.ratings, 0)                                            as ratings,
       round(o.mean_rating, 3)                                           as mean_rating,
       round(o.thumbs_up::numeric / nullif(o.thumbs, 0), 4)              as thumbs_up_rate,
       round(r.p50_latency_ms::numeric, 1)                              as p50_latency_ms,
       round(r.p95_latency_ms::numeric, 1)                              as p95_latency_ms,
       r.input_tokens,
       r.output_tokens,
       r.input_tokens + r.output_tokens                                  as total_tokens,
       r.total_cost_usd,
       r.first_started_at,
       r.last_started_at
  from runs as r
  join prompts.prompt_template_versions as v
    on v.organization_id = r.organization_id and v.id = r.template_version_id
  left join opinions as o
    on o.organization_id = r.organization_id and o.template_version_id = r.template_version_id
   and o.variation_id is not distinct from r.variation_id;

comment on view prompts.template_version_effectiveness is
  'Per template version and variation (NULL outside experiments): executions, finished, succeeded, success_rate (succeeded/finished), feedback_count, ratings, mean_rating (1-5), thumbs_up_rate, p50/p95 latency (ms to 0.1, interpolated, finished executions), input/output/total tokens, total_cost_usd. security_invoker: RLS applies.';

create view prompts.experiment_results
with (security_invoker = true) as
with arms as (
  select x.organization_id, x.id as experiment_id, x.name as experiment_name, x.template_id,
         pv.id as variation_id, pv.name as variation_name, pv.template_version_id, pv.weight,
         coalesce(s.executions, 0)     as executions,
         coalesce(s.finished, 0)       as finished,
         s.success_rate,
         coalesce(s.ratings, 0)        as ratings,
         s.mean_rating,
         s.p50_latency_ms,
         coalesce(s.total_cost_usd, 0) as total_cost_usd
    from prompts.prompt_experiments as x
    join prompts.prompt_variations as pv
      on pv.organization_id = x.organization_id and pv.experiment_id = x.id
    left join prompts.template_version_effectiveness as s
      on s.organization_id = pv.organization_id and s.variation_id = pv.id
), ranked as (
  select a.*,
         case when a.finished > 0 then
           row_number() over (partition by a.organization_id, a.experiment_id
                              order by (a.finished > 0) desc, a.success_rate desc nulls last,
                                       a.mean_rating desc nulls last, a.executions desc, a.variation_id)
         end as rank
    from arms as a
)
select r.organization_id,
       r.experiment_id,
       r.experiment_name,
       r.template_id,
       count(*)                                                        as variation_count,
       sum(r.executions)::bigint                                       as total_executions,
       (array_agg(r.variation_id)   filter (where r.rank = 1))[1]      as leading_variation_id,
       (array_agg(r.variation_name) filter (where r.rank = 1))[1]      as leading_variation_name,
       (array_agg(r.executions)     filter (where r.rank = 1))[1]      as leading_executions,
       (array_agg(r.success_rate)   filter (where r.rank = 1))[1]      as leading_success_rate,
       (array_agg(r.mean_rating)    filter (where r.rank = 1))[1]      as leading_mean_rating,
       (array_agg(r.ratings)        filter (where r.rank = 1))[1]      as leading_ratings,
       (array_agg(r.variation_id)   filter (where r.rank = 2))[1]      as runner_up_variation_id,
       (array_agg(r.executions)     filter (where r.rank = 2))[1]      as runner_up_executions,
       (array_agg(r.success_rate)   filter (where r.rank = 2))[1]      as runner_up_success_rate,
       jsonb_agg(jsonb_build_object(
                   'variation_id', r.variation_id, 'name', r.variation_name,
                   'template_version_id', r.template_version_id, 'weight', r.weight,
                   'rank', r.rank, 'executions', r.executions, 'finished', r.finished,
                   'success_rate', r.success_rate, 'ratings', r.ratings, 'mean_rating', r.mean_rating,
                   'p50_latency_ms', r.p50_latency_ms, 'total_cost_usd', r.total_cost_usd)
                 order by r.rank nulls last, r.variation_id)               as arms
  from ranked as r
 group by r.organization_id, r.experiment_id, r.experiment_name, r.template_id;

comment on view prompts.experiment_results is
  'Per A/B experiment: variation_count, total_executions, the leading arm (highest success rate, then mean rating, then executions; only arms with finished executions lead) with its sample sizes, the runner-up, and every arm with its numbers (arms, JSON). security_invoker: RLS applies.';

grant select on prompts.template_version_effectiveness, prompts.experiment_results to authenticated, service_role;

commit;
