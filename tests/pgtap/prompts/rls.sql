-- Row-level security of every prompts table, from each role's point of view, across two tenants.
-- viewer reads; member writes module data; admin manages prices and deletes; owner as admin;
-- another tenant sees and touches nothing; service_role sees everything; anon reaches nothing.
begin;
select plan(44);

insert into prompts.models (name, provider, context_window, max_output_tokens) values ('test-model', 'test', 100000, 4096);
insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) values ('test-model', '2000-01-01', 1, 2);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('rls-prompts-a') \gset
select organization_id as org_b, member_id as member_b, admin_id as admin_b from tests.create_tenant('rls-prompts-b') \gset

-- One of everything in each tenant, made by the service role.
select tests.authenticate_as_service_role();
insert into prompts.prompt_templates (organization_id, name) values (:'org', 'A template') returning id as tpl \gset
insert into prompts.prompt_templates (organization_id, name) values (:'org_b', 'B template') returning id as tpl_b \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (:'org', :'tpl', 'a', 'test-model') returning id as ver \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (:'org_b', :'tpl_b', 'b', 'test-model') returning id as ver_b \gset
insert into prompts.prompt_experiments (organization_id, template_id, name) values (:'org', :'tpl', 'A exp') returning id as exp \gset
insert into prompts.prompt_experiments (organization_id, template_id, name) values (:'org_b', :'tpl_b', 'B exp') returning id as exp_b \gset
insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name) values (:'org', :'exp', :'tpl', :'ver', 'A var') returning id as var \gset
insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name) values (:'org_b', :'exp_b', :'tpl_b', :'ver_b', 'B var');
insert into prompts.prompt_executions (organization_id, template_id, template_version_id, rendered_prompt) values (:'org', :'tpl', :'ver', 'a') returning id as exec \gset
insert into prompts.prompt_executions (organization_id, template_id, template_version_id, rendered_prompt) values (:'org_b', :'tpl_b', :'ver_b', 'b') returning id as exec_b \gset
insert into prompts.context_sources (organization_id, name, kind) values (:'org', 'A src', 'custom') returning id as src \gset
insert into prompts.context_sources (organization_id, name, kind) values (:'org_b', 'B src', 'custom') returning id as src_b \gset
select prompts.put_context(:'src', 'k', 'a content'), prompts.put_context(:'src_b', 'k', 'b content');
insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating) values (:'org', :'exec', :'member', 4);
insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating) values (:'org_b', :'exec_b', :'member_b', 2);
insert into prompts.organization_model_prices (organization_id, model, effective_from, input_price_per_mtok, output_price_per_mtok)
values (:'org', 'test-model', '2001-01-01', 0.5, 1), (:'org_b', 'test-model', '2001-01-01', 0.7, 1);

select is((select count(*)::int from prompts.prompt_templates), 2, 'the service role sees every tenant''s templates');
select is((select count(*)::int from prompts.context_data), 2, 'the service role sees every tenant''s cache entries');

-- viewer: reads everything of A, nothing of B, writes nothing ------------------------------------------
select tests.authenticate_as(:'viewer');
select results_eq($$select
    (select array_agg(distinct organization_id) from prompts.prompt_templates),
    (select array_agg(distinct organization_id) from prompts.prompt_template_versions),
    (select array_agg(distinct organization_id) from prompts.prompt_experiments),
    (select array_agg(distinct organization_id) from prompts.prompt_variations),
    (select array_agg(distinct organization_id) from prompts.prompt_executions),
    (select array_agg(distinct organization_id) from prompts.context_sources),
    (select array_agg(distinct organization_id) from prompts.context_data),
    (select array_agg(distinct organization_id) from prompts.prompt_feedback),
    (select array_agg(distinct organization_id) from prompts.organization_model_prices)$$,
  format($$select %1$L::uuid[], %1$L::uuid[], %1$L::uuid[], %1$L::uuid[], %1$L::uuid[], %1$L::uuid[], %1$L::uuid[], %1$L::uuid[], %1$L::uuid[]$$,
         array[:'org']::text),
  'a viewer reads every prompts table of their organization and nothing of the other');
select is((select count(*)::int from prompts.models), 1, 'a viewer reads the model catalog');
select throws_ok(format('insert into prompts.prompt_templates (organization_id, name) values (%L, %L)', :'org', 'by viewer'),
                 '42501', 'new row violates row-level security policy for table "prompt_templates"', 'a viewer cannot create templates');
select throws_ok(format('insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (%L, %L, %L, %L)', :'org', :'tpl', 'v', 'test-model'),
                 '42501', 'new row violates row-level security policy for table "prompt_template_versions"', 'a viewer cannot add versions');
select throws_ok(format('insert into prompts.prompt_executions (organization_id, template_id, template_version_id, rendered_prompt) values (%L, %L, %L, %L)', :'org', :'tpl', :'ver', 'x'),
                 '42501', 'new row violates row-level security policy for table "prompt_executions"', 'a viewer cannot record executions');
select throws_ok(format('insert into prompts.context_sources (organization_id, name, kind) values (%L, %L, %L)', :'org', 'v src', 'custom'),
                 '42501', 'new row violates row-level security policy for table "context_sources"', 'a viewer cannot add sources');
select throws_ok(format('insert into prompts.prompt_experiments (organization_id, template_id, name) values (%L, %L, %L)', :'org', :'tpl', 'v exp'),
                 '42501', 'new row violates row-level security policy for table "prompt_experiments"', 'a viewer cannot start experiments');
select throws_ok(format('insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name) values (%L, %L, %L, %L, %L)', :'org', :'exp', :'tpl', :'ver', 'v'),
                 '42501', 'new row violates row-level security policy for table "prompt_variations"', 'a viewer cannot add variations');
update prompts.prompt_templates set description = 'viewer was here' where id = :'tpl';
update prompts.prompt_template_versions set is_active = false where id = :'ver';
select tests.authenticate_as_service_role();
select is((select description from prompts.prompt_templates where id = :'tpl'), null, 'a viewer''s update of a template changes nothing');
select is((select is_active from prompts.prompt_template_versions where id = :'ver'), true, 'nor can a viewer withdraw a version');

-- member: writes module data of A, deletes nothing ---------------------------------------------------
select tests.authenticate_as(:'member');
select lives_ok(format('insert into prompts.prompt_templates (organization_id, name) values (%L, %L)', :'org', 'by member'), 'a member creates templates');
select lives_ok(format('insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (%L, %L, %L, %L)', :'org', :'tpl', 'v2', 'test-model'),
                'a member adds versions');
select lives_ok(format('update prompts.prompt_template_versions set is_active = true where id = %L', :'ver'), 'a member activates a version');
select lives_ok(format('insert into prompts.prompt_experiments (organization_id, template_id, name) values (%L, %L, %L)', :'org', :'tpl', 'm exp'),
                'a member starts experiments');
select lives_ok(format('update prompts.prompt_variations set weight = 5 where id = %L', :'var'), 'a member re-weights variations');
select lives_ok(format('select prompts.finish_execution(%L, %L, 1, 1, 1)', :'exec', 'succeeded'), 'a member finishes executions');
select lives_ok(format('insert into prompts.context_sources (organization_id, name, kind) values (%L, %L, %L)', :'org', 'm src', 'custom'), 'a member adds sources');
select throws_ok(format('insert into prompts.organization_model_prices (organization_id, model, effective_from, input_price_per_mtok, output_price_per_mtok) values (%L, %L, now(), 1, 1)', :'org', 'test-model'),
                 '42501', 'new row violates row-level security policy for table "organization_model_prices"', 'a member cannot set prices');
select throws_ok(format('insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) values (%L, now(), 0, 0)', 'test-model'),
                 '42501', 'permission denied for table model_prices', 'nobody but trusted services writes the catalog');
delete from prompts.prompt_templates where name = 'by member';
delete from prompts.prompt_experiments where name = 'm exp';
delete from prompts.prompt_variations where id = :'var';
delete from prompts.context_sources where name = 'm src';
select tests.authenticate_as_service_role();
select is((select count(*)::int from prompts.prompt_templates where name = 'by member')
          + (select count(*)::int from prompts.prompt_experiments where name = 'm exp')
          + (select count(*)::int from prompts.prompt_variations where id = :'var')
          + (select count(*)::int from prompts.context_sources where name = 'm src'),
          4, 'a member deletes no template, experiment, variation or source');

-- member of B: nothing of A ------------------------------------------------------------------------------
select tests.authenticate_as(:'member_b');
select is((select count(*)::int from prompts.prompt_templates where organization_id = :'org')
          + (select count(*)::int from prompts.prompt_template_versions where organization_id = :'org')
          + (select count(*)::int from prompts.prompt_executions where organization_id = :'org')
          + (select count(*)::int from prompts.prompt_feedback where organization_id = :'org')
          + (select count(*)::int from prompts.context_data where organization_id = :'org'),
          0, 'a member of B reads nothing of A');
select throws_ok(format('insert into prompts.prompt_templates (organization_id, name) values (%L, %L)', :'org', 'intruder'),
                 '42501', 'new row violates row-level security policy for table "prompt_templates"', 'a member of B cannot create templates in A');
select throws_ok(format('insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (%L, %L, %L, %L)', :'org', :'tpl', 'x', 'test-model'),
                 '42501', 'new row violates row-level security policy for table "prompt_template_versions"', 'nor versions of A''s templates');
select throws_ok(format('insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) values (%L, %L, %L, %L)', :'org_b', :'tpl', 'x', 'test-model'),
                 '23503', 'insert or update on table "prompt_template_versions" violates foreign key constraint "prompt_template_versions_organization_id_template_id_fkey"',
                 'nor attach a B version to A''s template');
select throws_ok(format('insert into prompts.prompt_executions (organization_id, template_id, template_version_id, rendered_prompt) values (%L, %L, %L, %L)', :'org_b', :'tpl', :'ver', 'x'),
                 '23503', format('prompt template version %s not found in organization %s', :'ver', :'org_b'),
                 'nor record a B execution of A''s version');
select throws_ok(format('insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name) values (%L, %L, %L, %L, %L)', :'org_b', :'exp_b', :'tpl_b', :'ver', 'x'),
                 '23503', 'insert or update on table "prompt_variations" violates foreign key constraint "prompt_variations_template_version_id_fkey"',
                 'nor make a B variation of A''s version');
update prompts.prompt_templates set name = 'hijacked' where id = :'tpl';
update prompts.prompt_executions set status = 'cancelled' where id = :'exec';
delete from prompts.prompt_feedback where organization_id = :'org';
select throws_ok(format('select prompts.render_prompt(%L)', :'tpl'), 'P0002', format('prompt template %s not found', :'tpl'),
                 'a member of B cannot render A''s template');
select throws_ok(format('select prompts.start_execution(%L)', :'tpl'), 'P0002', format('prompt template %s not found', :'tpl'),
                 'nor run it');
select throws_ok(format('select prompts.finish_execution(%L, %L, 1, 1, 1)', :'exec', 'cancelled'), 'P0002', format('prompt execution %s not found', :'exec'),
                 'nor finish A''s executions');
select is_empty(format('select * from prompts.get_context(%L, %L)', :'src', 'k'), 'nor read A''s context');
select is((select count(*)::int from prompts.search_templates('template')), 1, 'search finds B''s template only');
select tests.authenticate_as_service_role();
select results_eq(format($$select (select name from prompts.prompt_templates where id = %L), (select status from prompts.prompt_executions where id = %L),
                                  (select count(*)::int from prompts.prompt_feedback where organization_id = %L)$$, :'tpl', :'exec', :'org'),
                  $$values ('A template'::text, 'succeeded'::text, 1)$$,
                  'B''s updates and deletes did not touch A''s rows');

-- admin and owner: prices and deletions -----------------------------------------------------------
select tests.authenticate_as(:'admin');
select lives_ok(format('insert into prompts.organization_model_prices (organization_id, model, effective_from, input_price_per_mtok, output_price_per_mtok) values (%L, %L, %L, 1, 1)', :'org', 'test-model', '2002-01-01'),
                'an admin sets the organization''s prices');
select throws_ok(format('insert into prompts.organization_model_prices (organization_id, model, effective_from, input_price_per_mtok, output_price_per_mtok) values (%L, %L, %L, 1, 1)', :'org_b', 'test-model', '2002-01-01'),
                 '42501', 'new row violates row-level security policy for table "organization_model_prices"', 'but not another organization''s');
delete from prompts.prompt_variations where name = 'A var';
delete from prompts.prompt_experiments;  -- every experiment the admin can see: A's two
delete from prompts.context_sources where name = 'A src';
select tests.authenticate_as(:'owner');
select lives_ok(format('delete from prompts.prompt_templates where name = %L', 'by member'), 'an owner deletes a template without executions');
select lives_ok(format('delete from prompts.context_sources where name = %L', 'm src'), 'an owner deletes a source');
select tests.authenticate_as_service_role();
select results_eq(format($$select (select count(*)::int from prompts.prompt_variations where organization_id = %1$L),
                                  (select count(*)::int from prompts.prompt_experiments where organization_id = %1$L),
                                  (select count(*)::int from prompts.context_sources where organization_id = %1$L),
                                  (select count(*)::int from prompts.prompt_templates where name = 'by member')$$, :'org'),
                  $$values (0, 0, 0, 0)$$,
                  'admins deleted the variation, experiment and source, the owner the unused template and the other source');
select is((select count(*)::int from prompts.context_data where organization_id = :'org'), 0, 'a deleted source''s cache goes with it');
select is((select count(*)::int from prompts.prompt_templates where organization_id = :'org_b')
          + (select count(*)::int from prompts.context_sources where organization_id = :'org_b'), 2,
          'B''s rows are untouched by A''s admins');

-- anon: nothing at all ---------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok('select * from prompts.prompt_templates', '42501', 'permission denied for schema prompts', 'anon cannot reach templates');
select throws_ok('select * from prompts.models', '42501', 'permission denied for schema prompts', 'anon cannot reach the catalog');
select throws_ok(format('select prompts.get_context(%L, %L)', :'src_b', 'k'), '42501', 'permission denied for schema prompts', 'anon cannot read context');

select * from finish();
rollback;
