-- Structure of the prompts module: tables, keys, partitioning, policies, privileges, function
-- security. Behaviour is tested in the other files of this directory.
begin;
select plan(68);

-- Tables and primary keys -------------------------------------------------------------------
select has_table('prompts', 'models', 'the model catalog exists');
select has_table('prompts', 'model_prices', 'the list price history exists');
select has_table('prompts', 'organization_model_prices', 'organization price overrides exist');
select has_table('prompts', 'prompt_templates', 'prompt templates exist');
select has_table('prompts', 'prompt_template_versions', 'template versions exist');
select has_table('prompts', 'prompt_experiments', 'experiments exist');
select has_table('prompts', 'prompt_variations', 'variations exist');
select has_table('prompts', 'prompt_executions', 'executions exist');
select has_table('prompts', 'context_sources', 'context sources exist');
select has_table('prompts', 'context_data', 'the context cache exists');
select has_table('prompts', 'prompt_feedback', 'feedback exists');

select col_is_pk('prompts', 'models', array['name'], 'a model is keyed by its name');
select col_is_pk('prompts', 'model_prices', array['id'], 'list prices are keyed by id');
select col_is_pk('prompts', 'organization_model_prices', array['organization_id', 'id'], 'organization prices are keyed by tenant and id');
select col_is_pk('prompts', 'prompt_templates', array['organization_id', 'id'], 'templates are keyed by tenant and id');
select col_is_pk('prompts', 'prompt_template_versions', array['organization_id', 'id'], 'versions are keyed by tenant and id');
select col_is_pk('prompts', 'prompt_experiments', array['organization_id', 'id'], 'experiments are keyed by tenant and id');
select col_is_pk('prompts', 'prompt_variations', array['organization_id', 'id'], 'variations are keyed by tenant and id');
select col_is_pk('prompts', 'prompt_executions', array['organization_id', 'id', 'started_at'], 'executions are keyed by tenant, id and the partition key');
select col_is_pk('prompts', 'context_sources', array['organization_id', 'id'], 'sources are keyed by tenant and id');
select col_is_pk('prompts', 'context_data', array['organization_id', 'id'], 'cache entries are keyed by tenant and id');
select col_is_pk('prompts', 'prompt_feedback', array['organization_id', 'id'], 'feedback is keyed by tenant and id');

-- Composite foreign keys: a row can never point at another tenant's row ----------------------
select fk_ok('prompts', 'prompt_template_versions', array['organization_id', 'template_id'],
             'prompts', 'prompt_templates', array['organization_id', 'id'], 'a version belongs to a template of its tenant');
select fk_ok('prompts', 'prompt_executions', array['organization_id', 'template_id', 'template_version_id'],
             'prompts', 'prompt_template_versions', array['organization_id', 'template_id', 'id'],
             'an execution points at a version of its template, in its tenant');
select fk_ok('prompts', 'prompt_executions', array['organization_id', 'variation_id', 'template_version_id'],
             'prompts', 'prompt_variations', array['organization_id', 'id', 'template_version_id'],
             'an execution of a variation runs that variation''s version');
select fk_ok('prompts', 'prompt_variations', array['organization_id', 'experiment_id', 'template_id'],
             'prompts', 'prompt_experiments', array['organization_id', 'id', 'template_id'],
             'a variation belongs to an experiment on the same template');
select fk_ok('prompts', 'prompt_variations', array['organization_id', 'template_id', 'template_version_id'],
             'prompts', 'prompt_template_versions', array['organization_id', 'template_id', 'id'],
             'a variation pins a version of the experiment''s template');
select fk_ok('prompts', 'prompt_feedback', array['organization_id', 'template_id', 'template_version_id'],
             'prompts', 'prompt_template_versions', array['organization_id', 'template_id', 'id'],
             'feedback stays attributable to a version');
select fk_ok('prompts', 'context_data', array['organization_id', 'source_id'],
             'prompts', 'context_sources', array['organization_id', 'id'], 'a cache entry belongs to a source of its tenant');

-- Partitioning -------------------------------------------------------------------------------
select is_partitioned('prompts', 'prompt_executions', 'executions are partitioned');
select is((select granularity || ' ' || premake || ' ' || retention::text
             from base.partition_config where parent_table = 'prompts.prompt_executions'),
          'month 3 1 year 1 mon',
          'executions: monthly partitions, 3 premade, 13 months retention');
select ok(exists (select from base.partitions where parent_table = 'prompts.prompt_executions' and is_default),
          'executions have a default partition');

-- Policies -----------------------------------------------------------------------------------
select policies_are('prompts', 'models', array['select_authenticated', 'all_service_role'], 'models policies');
select policies_are('prompts', 'model_prices', array['select_authenticated', 'all_service_role'], 'model_prices policies');
select policies_are('prompts', 'organization_model_prices',
                    array['select_viewer', 'insert_admin', 'update_admin', 'delete_admin', 'all_service_role'],
                    'organization_model_prices policies');
select policies_are('prompts', 'prompt_templates',
                    array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
                    'prompt_templates policies');
select policies_are('prompts', 'prompt_template_versions',
                    array['select_viewer', 'insert_member', 'update_member', 'all_service_role'],
                    'prompt_template_versions policies (no delete)');
select policies_are('prompts', 'prompt_experiments',
                    array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
                    'prompt_experiments policies');
select policies_are('prompts', 'prompt_variations',
                    array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
                    'prompt_variations policies');
select policies_are('prompts', 'prompt_executions',
                    array['select_viewer', 'insert_member', 'update_member', 'all_service_role'],
                    'prompt_executions policies (no delete)');
select policies_are('prompts', 'context_sources',
                    array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
                    'context_sources policies');
select policies_are('prompts', 'context_data', array['select_viewer', 'all_service_role'],
                    'context_data policies: read fresh entries only, write through put_context');
select policies_are('prompts', 'prompt_feedback',
                    array['select_viewer', 'insert_member_self', 'update_member_self', 'delete_admin_or_self', 'all_service_role'],
                    'prompt_feedback policies');

-- Privileges ---------------------------------------------------------------------------------
select table_privs_are('prompts', 'context_data', 'authenticated', array['SELECT'],
                       'users only read the cache; they write through put_context');
select table_privs_are('prompts', 'prompt_executions', 'authenticated', array['SELECT'],
                       'executions: users hold only SELECT table-wide (inserts and updates are column grants; no delete)');
select table_privs_are('prompts', 'prompt_template_versions', 'authenticated', array['SELECT'],
                       'versions: users hold only SELECT table-wide (inserts and is_active are column grants; no delete)');
select table_privs_are('prompts', 'models', 'authenticated', array['SELECT'], 'users only read the model catalog');
select ok(not has_column_privilege('authenticated', 'prompts.prompt_executions', 'cost_usd', 'INSERT')
          and not has_column_privilege('authenticated', 'prompts.prompt_executions', 'cost_usd', 'UPDATE'),
          'users cannot write cost_usd at all');
select is(array(select a.attname::text
                  from pg_attribute as a
                 where a.attrelid = 'prompts.prompt_template_versions'::regclass and a.attnum > 0 and not a.attisdropped
                   and has_column_privilege('authenticated', a.attrelid, a.attnum, 'UPDATE')),
          array['is_active'],
          'is_active is the only column of a version users may update');

-- Functions ----------------------------------------------------------------------------------
select is_definer('internal', 'put_context', array['uuid', 'text', 'text', 'interval', 'jsonb'],
                  'put_context runs past RLS (it checks membership itself)');
select isnt_definer('prompts', 'get_context', array['uuid', 'text'], 'get_context runs with the caller''s RLS');
select isnt_definer('prompts', 'render_prompt', array['uuid', 'jsonb'], 'render_prompt runs with the caller''s RLS');
select is_definer('internal', 'search_templates', array['text', 'integer', 'uuid', 'boolean'], 'search checks the tenant itself, so that the GIN index serves it under RLS');
select volatility_is('prompts', 'render_prompt', array['uuid', 'jsonb'], 'stable', 'render_prompt is stable');
select volatility_is('prompts', 'render_template_text', array['text', 'jsonb', 'jsonb'], 'immutable', 'rendering a text is immutable');
select volatility_is('prompts', 'get_context', array['uuid', 'text'], 'volatile', 'get_context is volatile (it reads the wall clock)');
select volatility_is('prompts', 'pick_variation', array['uuid', 'text'], 'volatile', 'pick_variation is volatile (never pre-evaluated by the planner)');
select volatility_is('prompts', 'subject_hash', array['uuid', 'text'], 'immutable', 'the subject hash is immutable');
select function_privs_are('prompts', 'cleanup_expired_context_data', array[]::text[], 'service_role', array['EXECUTE'],
                          'the service role runs the cache cleanup');
select function_privs_are('prompts', 'cleanup_expired_context_data', array[]::text[], 'authenticated', array[]::text[],
                          'users cannot run the cache cleanup');
select ok(has_function_privilege('authenticated', 'prompts.render_prompt(uuid, jsonb)', 'execute')
          and not has_function_privilege('anon', 'prompts.render_prompt(uuid, jsonb)', 'execute'),
          'users render prompts, anonymous callers do not');

-- Triggers and views -------------------------------------------------------------------------
select has_trigger('prompts', 'prompt_template_versions', '_200_immutable', 'versions have the immutability trigger');
select has_trigger('prompts', 'prompt_template_versions', '_200_refuse_delete', 'versions refuse deletion');
select has_trigger('prompts', 'prompt_executions', '_200_compute', 'executions compute their cost');
select has_trigger('prompts', 'prompt_feedback', '_200_link_execution', 'feedback checks its execution');
select is((select count(*)::int from pg_class
            where oid in ('prompts.template_version_effectiveness'::regclass, 'prompts.experiment_results'::regclass)
              and reloptions @> array['security_invoker=true']),
          2, 'both effectiveness views are security_invoker, so RLS applies');
select has_index('prompts', 'prompt_templates', 'prompt_templates_search_vector_idx', 'template search has a GIN index');
select has_trigger('prompts', 'prompt_templates', '_200_guard_active_version',
                   'templates guard their active-version cache');

select * from finish();
rollback;
