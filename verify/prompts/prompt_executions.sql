-- Verify platform:prompts/prompt_executions on pg

begin;

select organization_id, id, started_at, template_id, template_version_id, variation_id, task_id,
       subject_key, model, rendered_prompt, prompt_hash, input_tokens, output_tokens, cost_usd,
       latency_ms, status, error_message, metadata, completed_at
  from prompts.prompt_executions
 where false;

-- Partitioned, under maintenance, with the current month and the default partition.
select 1 / count(*) from base.partition_config where parent_table = 'prompts.prompt_executions';
select 1 / count(*) from base.partitions
 where parent_table = 'prompts.prompt_executions' and lower_bound <= now() and upper_bound > now();
select 1 / count(*) from base.partitions where parent_table = 'prompts.prompt_executions' and is_default;

select 1 / count(*)
  from pg_catalog.pg_trigger
 where tgrelid = 'prompts.prompt_executions'::regclass and tgname = '_200_compute';

rollback;
