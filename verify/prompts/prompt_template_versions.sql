-- Verify platform:prompts/prompt_template_versions on pg

begin;

select organization_id, id, template_id, version, template_text, variables, model, temperature,
       max_tokens, top_p, frequency_penalty, presence_penalty, stop_sequences, change_note,
       is_active, created_by, created_at
  from prompts.prompt_template_versions
 where false;

select 1 / (count(*) = 4)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'prompts.prompt_template_versions'::regclass
   and tgname in ('_200_before_insert', '_200_immutable', '_200_refuse_delete', '_300_sync_template');

-- The BEFORE triggers run as the caller (they fire before the RLS check).
select 1 / (count(*) = 3)::int
  from pg_catalog.pg_proc
 where oid in ('prompts.tg_prompt_template_versions__before_insert()'::regprocedure,
               'prompts.tg_prompt_template_versions__immutable()'::regprocedure,
               'prompts.tg_prompt_template_versions__refuse_delete()'::regprocedure)
   and not prosecdef;

select 1 / count(*)
  from pg_catalog.pg_proc
 where oid = 'internal.prompts_serialize_template_versions(uuid)'::regprocedure and prosecdef;

select 1 / count(*)
  from pg_catalog.pg_indexes
 where schemaname = 'prompts'
   and indexname = 'prompt_template_versions_one_active_key';

rollback;
