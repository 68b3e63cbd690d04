-- Verify platform:prompts/not_found_checks_on_citus on pg

begin;

select 1 / (position('exists (select 1 from prompts.prompt_templates' in pg_catalog.pg_get_functiondef('prompts.render_prompt(uuid,jsonb)'::regprocedure)) > 0)::integer;
select 1 / (position('exists (select 1 from prompts.prompt_experiments' in pg_catalog.pg_get_functiondef('prompts.pick_variation(uuid,text)'::regprocedure)) > 0)::integer;
select 1 / (position('exists (select 1 from prompts.prompt_templates' in pg_catalog.pg_get_functiondef('prompts.start_execution(uuid,jsonb,uuid,text,uuid)'::regprocedure)) > 0)::integer;

rollback;
