-- Versioning: numbering, one active version, immutability for every role, deletion only with
-- the template (and never under executions), executions keep their version.
begin;
select plan(30);

insert into prompts.models (name, provider, context_window, max_output_tokens) values ('test-model', 'test', 100000, 4096);
insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok)
values ('test-model', '2000-01-01', 1, 2);

select organization_id as org, member_id as member, admin_id as admin from tests.create_tenant('versions-a') \gset
select organization_id as other_org, member_id as other_member from tests.create_tenant('versions-b') \gset

select tests.authenticate_as(:'member');
insert into prompts.prompt_templates (organization_id, name) values (:'org', 'Summary') returning id as tpl \gset

insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'org', :'tpl', 'first', 'test-model') returning id as v1, version as v1_number \gset
select is(:v1_number, 1, 'the first version is number 1');

select throws_ok(format('insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model, version) values (%L, %L, %L, %L, 99)',
                        :'org', :'tpl', 'x', 'test-model'),
                 '42501', 'permission denied for table prompt_template_versions',
                 'users may not send a version number');
select tests.authenticate_as_service_role();
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model, version)
values (:'org', :'tpl', 'second', 'test-model', 99) returning id as v2, version as v2_number \gset
select is(:v2_number, 2, 'the next version is number 2, whatever number a trusted service sent');
select tests.authenticate_as(:'member');

select results_eq(format('select version, is_active from prompts.prompt_template_versions where template_id = %L order by version', :'tpl'),
                  $$values (1, false), (2, true)$$,
                  'a new version becomes the active one and the previous is deactivated');

insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model, is_active)
values (:'org', :'tpl', 'draft', 'test-model', false) returning id as v3 \gset
select results_eq(format('select version, is_active from prompts.prompt_template_versions where template_id = %L order by version', :'tpl'),
                  $$values (1, false), (2, true), (3, false)$$,
                  'an inactive draft version leaves the active one alone');

-- An execution of version 2, then more versions: the execution keeps pointing at version 2.
select (prompts.start_execution(:'tpl')).id as exec \gset

-- Immutability ------------------------------------------------------------------------------------
select throws_ok(format('update prompts.prompt_template_versions set template_text = %L where id = %L', 'edited', :'v2'),
                 '42501', 'permission denied for table prompt_template_versions',
                 'users are not even granted UPDATE on the text');

select tests.authenticate_as_service_role();
select throws_ok(format('update prompts.prompt_template_versions set template_text = %L where id = %L', 'edited', :'v2'),
                 '55000', format('prompt template version %s is immutable: only is_active may change', :'v2'),
                 'the service role cannot change a version''s text (55000)');
select throws_ok(format('update prompts.prompt_template_versions set variables = %L where id = %L', '[{"name": "x", "type": "string"}]', :'v2'),
                 '55000', format('prompt template version %s is immutable: only is_active may change', :'v2'),
                 'nor its variables');
select throws_ok(format('update prompts.prompt_template_versions set temperature = 1, is_active = true where id = %L', :'v1'),
                 '55000', format('prompt template version %s is immutable: only is_active may change', :'v1'),
                 'nor a model parameter, even together with is_active');
select throws_ok(format('update prompts.prompt_template_versions set version = 7 where id = %L', :'v1'),
                 '55000', format('prompt template version %s is immutable: only is_active may change', :'v1'),
                 'nor its number');
select throws_ok(format('delete from prompts.prompt_template_versions where id = %L', :'v1'),
                 '55000', format('prompt template version %s is immutable and cannot be deleted', :'v1'),
                 'a version cannot be deleted on its own, even by the service role');
select tests.clear_authentication();
select lives_ok(format('update prompts.prompt_template_versions set model = %L where id = %L', 'test-model', :'v1'),
                'assigning a column its current value is not a change and passes');
select throws_ok(format('update prompts.prompt_template_versions set max_tokens = 5 where id = %L', :'v1'),
                 '55000', format('prompt template version %s is immutable: only is_active may change', :'v1'),
                 'the table owner cannot change a version either');

-- Activation --------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
update prompts.prompt_template_versions set is_active = true where id = :'v1';
select results_eq(format('select version, is_active from prompts.prompt_template_versions where template_id = %L order by version', :'tpl'),
                  $$values (1, true), (2, false), (3, false)$$,
                  'activating an old version (a rollback) deactivates the current one');
select is(prompts.render_prompt(:'tpl'), 'first', 'render_prompt follows the activation');
select is((select row(active_version_id, active_version, active_template_text)::text from prompts.prompt_templates where id = :'tpl'),
          row(:'v1'::uuid, 1, 'first')::text, 'the template records its active version (for search)');
update prompts.prompt_template_versions set is_active = false where id = :'v1';
select is((select count(*)::int from prompts.prompt_template_versions where template_id = :'tpl' and is_active), 0,
          'the active version can be withdrawn, leaving none active');
select is((select num_nulls(active_version_id, active_version, active_template_text) from prompts.prompt_templates where id = :'tpl'), 3,
          'and the template then records no active version');
update prompts.prompt_template_versions set is_active = true where id = :'v2';

select is((select template_version_id from prompts.prompt_executions where id = :'exec'), :'v2'::uuid,
          'the execution still points at the version it ran');
select is((select v.template_text from prompts.prompt_executions as e
             join prompts.prompt_template_versions as v on v.organization_id = e.organization_id and v.id = e.template_version_id
            where e.id = :'exec'), 'second',
          'and that version still says what it said');

-- A re-run insert (existing id, ON CONFLICT DO NOTHING) must not steal the active flag.
insert into prompts.prompt_template_versions (organization_id, id, template_id, template_text, model)
values (:'org', :'v1', :'tpl', 'first', 'test-model') on conflict do nothing;
select is((select version from prompts.prompt_template_versions where template_id = :'tpl' and is_active), 2,
          'an insert that conflicts on its id changes no active flag');

-- Composite keys: a version cannot attach to another tenant's template.
select tests.authenticate_as(:'other_member');
insert into prompts.prompt_templates (organization_id, name) values (:'other_org', 'Theirs') returning id as their_tpl \gset
select tests.authenticate_as_service_role();
select throws_ok(format('insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (%L, %L, %L, %L)',
                        :'org', :'their_tpl', 'x', 'test-model'),
                 '23503', 'insert or update on table "prompt_template_versions" violates foreign key constraint "prompt_template_versions_organization_id_template_id_fkey"',
                 'a version of organization A cannot belong to a template of organization B');

-- Deletion ----------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
select throws_ok(format('delete from prompts.prompt_template_versions where id = %L', :'v3'),
                 '42501', 'permission denied for table prompt_template_versions', 'users have no DELETE on versions');

select tests.authenticate_as(:'admin');
select throws_ok(format('delete from prompts.prompt_templates where id = %L', :'tpl'),
                 '23503', 'update or delete on table "prompt_template_versions" violates foreign key constraint "prompt_executions_template_version_id_fkey" on table "prompt_executions"',
                 'a template whose versions have executions cannot be deleted (the foreign key protects the history)');

insert into prompts.prompt_templates (organization_id, name) values (:'org', 'Scratch') returning id as scratch \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'org', :'scratch', 'a', 'test-model'), (:'org', :'scratch', 'b', 'test-model');
select is((select array_agg(version order by version) from prompts.prompt_template_versions where template_id = :'scratch'),
          array[1, 2], 'a multi-row insert numbers each version in turn');
select lives_ok(format('delete from prompts.prompt_templates where id = %L', :'scratch'),
                'a template without executions is deleted with its versions');
select is((select count(*)::int from prompts.prompt_template_versions where template_id = :'scratch'), 0,
          'its versions went with it');

-- Audit: versions are audited (activation included).
select tests.clear_authentication();
select ok((select count(*) from base.audit_log
            where table_schema = 'prompts' and table_name = 'prompt_template_versions' and record_id = :'v1'::uuid) >= 3,
          'inserting and (de)activating a version are in the audit log');

select lives_ok(format('delete from base.organizations where id = %L', :'org'),
                'deleting the organization takes templates, versions and executions with it');
select is((select count(*)::int from prompts.prompt_template_versions where organization_id = :'org'), 0,
          'no version of the deleted organization remains');

select * from finish();
rollback;
