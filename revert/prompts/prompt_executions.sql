-- Revert platform:prompts/prompt_executions from pg

begin;

delete from base.partition_config where parent_table = 'prompts.prompt_executions';
drop table prompts.prompt_executions;
drop function prompts.tg_prompt_executions__compute();

commit;
