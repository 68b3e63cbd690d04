-- Verify platform:prompts/execution_api on pg

begin;

select 'prompts.start_execution(uuid, jsonb, uuid, text, uuid)'::regprocedure;
select 'prompts.finish_execution(uuid, text, integer, integer, integer, text, jsonb)'::regprocedure;

rollback;
