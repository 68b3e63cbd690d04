-- A refused write reveals nothing about rows the caller cannot read (hardening issue, item 8).
-- The BEFORE ROW triggers of prompt_feedback and prompt_template_versions run before the row's
-- RLS check, so they run as the caller: another organization's execution, template or version is
-- answered exactly like an id that exists nowhere. (As definers, feedback answered 42501 when
-- another tenant's execution existed and 23503 when it did not.)
begin;
select plan(8);

insert into prompts.models (name, provider, context_window, max_output_tokens) values ('leak-model', 'test', 100000, 4096);
insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) values ('leak-model', '2000-01-01', 1, 2);
select organization_id as org, member_id as member from tests.create_tenant('prompt-leak-a') \gset
select organization_id as org_b, member_id as member_b from tests.create_tenant('prompt-leak-b') \gset

select tests.authenticate_as(:'member_b');
insert into prompts.prompt_templates (organization_id, name) values (:'org_b', 'B') returning id as tpl_b \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'org_b', :'tpl_b', 'secret of B', 'leak-model') returning id as ver_b \gset
select (prompts.start_execution(:'tpl_b')).id as exec_b \gset
select gen_random_uuid() as nowhere \gset

select tests.authenticate_as(:'member');
-- Feedback naming B and B's execution, or an execution that exists nowhere: the same answer.
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating) values (%L, %L, 3)', :'org_b', :'exec_b'),
                 '23503', format('prompt execution %s not found in organization %s', :'exec_b', :'org_b'),
                 'feedback on another organization''s execution: not found');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating) values (%L, %L, 3)', :'org_b', :'nowhere'),
                 '23503', format('prompt execution %s not found in organization %s', :'nowhere', :'org_b'),
                 'exactly as an execution that exists nowhere');

-- A version naming B and B's template, an unknown template, or B's existing version id.
select throws_ok(format($$insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (%L, %L, 'x', 'leak-model')$$, :'org_b', :'tpl_b'),
                 '42501', 'new row violates row-level security policy for table "prompt_template_versions"',
                 'a version of another organization''s template is refused by RLS');
select throws_ok(format($$insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (%L, %L, 'x', 'leak-model')$$, :'org_b', :'nowhere'),
                 '42501', 'new row violates row-level security policy for table "prompt_template_versions"',
                 'exactly as a version of a template that exists nowhere');
select throws_ok(format($$insert into prompts.prompt_template_versions (organization_id, id, template_id, template_text, model) values (%L, %L, %L, 'x', 'leak-model')$$, :'org_b', :'ver_b', :'tpl_b'),
                 '42501', 'new row violates row-level security policy for table "prompt_template_versions"',
                 'and exactly so when the id is one of B''s versions');
select tests.clear_authentication();

select is((select array_agg(v.is_active::text || ':' || t.active_version_id::text)
             from prompts.prompt_template_versions as v join prompts.prompt_templates as t on t.id = v.template_id
            where v.template_id = :'tpl_b'),
          array['true:' || :'ver_b'],
          'B''s template and its active version are untouched');

select is(
  (select array_agg(p.oid::regprocedure::text order by 1)
     from pg_catalog.pg_trigger as tg
     join pg_catalog.pg_proc as p on p.oid = tg.tgfoid
    where tg.tgrelid in ('prompts.prompt_feedback'::regclass, 'prompts.prompt_template_versions'::regclass)
      and not tg.tgisinternal
      and (tg.tgtype & 1) = 1      -- ROW
      and (tg.tgtype & 2) = 2      -- BEFORE
      and p.prosecdef),
  null,
  'no BEFORE ROW trigger of prompt_feedback or prompt_template_versions runs as its owner');

select ok(
  (select count(*) from pg_catalog.pg_trigger as tg
    where tg.tgrelid in ('prompts.prompt_feedback'::regclass, 'prompts.prompt_template_versions'::regclass)
      and not tg.tgisinternal and (tg.tgtype & 3) = 3) >= 4,
  'the rule above has BEFORE ROW triggers to check');

select * from finish();
rollback;
