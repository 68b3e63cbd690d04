-- Cost: computed by the database from tokens and the price in effect at started_at (the
-- organization's own price first, the catalog's otherwise), never typed in; plus the execution
-- status rules and the partition maintenance of the executions table.
begin;
select plan(29);

-- Executions of 2019 and 2025 are older than the partition key window (13 months back): the owner widens
-- it for this transaction to record them.
update base.partition_config set key_past_window = interval '10 years' where parent_table = 'prompts.prompt_executions';
set local timezone = 'UTC';

insert into prompts.models (name, provider, context_window, max_output_tokens)
values ('priced', 'test', 100000, 4096), ('unpriced', 'test', 100000, 4096);
insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok)
values ('priced', '2020-01-01', 1, 2),
       ('priced', '2026-01-01', 3, 15);

select organization_id as org, member_id as member, admin_id as admin from tests.create_tenant('cost-a') \gset
select organization_id as other_org, member_id as other_member from tests.create_tenant('cost-b') \gset

-- Organization A negotiated a price from June 2026 on (admins manage prices).
select tests.authenticate_as(:'admin');
insert into prompts.organization_model_prices (organization_id, model, effective_from, input_price_per_mtok, output_price_per_mtok, note)
values (:'org', 'priced', '2026-06-01', 0.5, 1, 'volume discount');

select tests.authenticate_as(:'member');
insert into prompts.prompt_templates (organization_id, name) values (:'org', 'A') returning id as tpl \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model)
values (:'org', :'tpl', 'Hi {{who}}', '[{"name": "who", "type": "string"}]', 'priced') returning id as ver \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model, is_active)
values (:'org', :'tpl', 'Hi again {{who}}', '[{"name": "who", "type": "string"}]', 'unpriced', false) returning id as ver_unpriced \gset

select tests.authenticate_as(:'other_member');
insert into prompts.prompt_templates (organization_id, name) values (:'other_org', 'B') returning id as other_tpl \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'other_org', :'other_tpl', 'Hello', 'priced') returning id as other_ver \gset

-- Catalog prices, by the time of the execution ---------------------------------------------------
insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, rendered_prompt,
                                       input_tokens, output_tokens, latency_ms, status)
values (:'other_org', '2025-06-01', :'other_tpl', :'other_ver', 'Hello', 1000000, 500000, 900, 'succeeded')
returning cost_usd as c_old \gset
select is(:'c_old'::numeric, 2.00000000, 'an execution of 2025 is priced at the 2025 catalog price (1M in at $1 + 500k out at $2)');

insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, rendered_prompt,
                                       input_tokens, output_tokens, latency_ms, status)
values (:'other_org', '2026-03-01', :'other_tpl', :'other_ver', 'Hello', 1000, 2000, 900, 'succeeded')
returning id as other_exec, cost_usd as c_new \gset
select is(:'c_new'::numeric, 0.03300000, 'an execution of March 2026 is priced at the 2026 catalog price (1000 x $3 + 2000 x $15 per million)');

-- Organization prices ------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, rendered_prompt,
                                       input_tokens, output_tokens, latency_ms, status)
values (:'org', '2026-03-01', :'tpl', :'ver', 'Hi x', 1000, 2000, 900, 'succeeded')
returning cost_usd as a_before \gset
select is(:'a_before'::numeric, 0.03300000, 'before its own price takes effect, organization A pays the catalog price');

insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, rendered_prompt,
                                       input_tokens, output_tokens, latency_ms, status)
values (:'org', '2026-07-01', :'tpl', :'ver', 'Hi x', 1000, 2000, 900, 'succeeded')
returning cost_usd as a_after \gset
select is(:'a_after'::numeric, 0.00250000, 'from June 2026 organization A pays its own price (1000 x $0.5 + 2000 x $1 per million)');

select is((select price_source from prompts.model_price_at(:'org', 'priced', '2026-07-01')), 'organization',
          'model_price_at reports the organization price for A');
select tests.authenticate_as(:'other_member');
select is((select price_source || ' ' || input_price_per_mtok || ' ' || output_price_per_mtok
             from prompts.model_price_at(:'other_org', 'priced', '2026-07-01')),
          'catalog 3.000000 15.000000', 'model_price_at reports the catalog price for B');
select is((select input_price_per_mtok from prompts.model_price_at(:'org', 'priced', '2026-07-01')), 3.000000::numeric,
          'B cannot see (or be priced by) A''s organization price');

select is(prompts.execution_cost(:'other_org', 'priced', '2026-03-01', 7, 0), 0.00002100,
          'a handful of tokens costs the exact fraction (7 x $3 per million)');

-- Never typed in ---------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
select throws_ok(format('insert into prompts.prompt_executions (organization_id, template_id, template_version_id, rendered_prompt, cost_usd) values (%L, %L, %L, %L, 0)',
                        :'org', :'tpl', :'ver', 'Hi'),
                 '42501', 'permission denied for table prompt_executions', 'users cannot send a cost');
select throws_ok(format('update prompts.prompt_executions set cost_usd = 0 where organization_id = %L', :'org'),
                 '42501', 'permission denied for table prompt_executions', 'users cannot update a cost');

select tests.authenticate_as_service_role();
insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, rendered_prompt,
                                       input_tokens, output_tokens, cost_usd)
values (:'org', '2026-07-01', :'tpl', :'ver', 'Hi x', 2000, 0, 999.99)
returning id as running, cost_usd as c_forced \gset
select is(:'c_forced'::numeric, 0.00100000, 'a cost sent by a trusted service is replaced by the computed one');

-- Updates recompute: finishing with the final token counts.
select is((prompts.finish_execution(:'running', 'succeeded', 4000, 1000, 1500)).cost_usd, 0.00300000,
          'finishing an execution recomputes its cost from the final tokens (4000 x $0.5 + 1000 x $1 per million)');

-- A later price change does not rewrite history.
update prompts.model_prices set input_price_per_mtok = 100 where model = 'priced' and effective_from = '2026-01-01';
select is((select cost_usd from prompts.prompt_executions where id = :'other_exec'), 0.03300000::numeric(16,8),
          'changing a price later leaves stored costs as charged');

-- No price in effect ------------------------------------------------------------------------------------
select throws_ok(format('insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, rendered_prompt) values (%L, %L, %L, %L, %L)',
                        :'org', '2026-03-01', :'tpl', :'ver_unpriced', 'x'),
                 '55000', 'model "unpriced" has no price in effect at 2026-03-01 00:00:00+00',
                 'a model without any price raises 55000');
select throws_ok(format('insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, rendered_prompt) values (%L, %L, %L, %L, %L)',
                        :'org', '2019-12-31', :'tpl', :'ver', 'x'),
                 '55000', 'model "priced" has no price in effect at 2019-12-31 00:00:00+00',
                 'an execution before the first price raises 55000');

-- Hashes, defaults ------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
select (prompts.start_execution(:'tpl', '{"who": "Ada"}', task_id => '00000000-0000-7000-8000-0000000000aa')) as e \gset
select results_eq(format('select model, rendered_prompt, prompt_hash, status, task_id, cost_usd from prompts.prompt_executions where id = (%L::prompts.prompt_executions).id', :'e'),
                  format($$values ('priced'::text, 'Hi Ada'::text, sha256('Hi Ada'::bytea), 'running'::text, '00000000-0000-7000-8000-0000000000aa'::uuid, 0::numeric(16,8))$$),
                  'start_execution records the version''s model, the rendered prompt, its sha256, running, the task, cost 0 so far');
select throws_ok(format('insert into prompts.prompt_executions (organization_id, template_id, template_version_id) values (%L, %L, %L)',
                        :'org', :'tpl', :'ver'),
                 '22023', 'a prompt execution needs rendered_prompt or prompt_hash (sha256 of the prompt)',
                 'an execution records its prompt or at least its hash');
select lives_ok(format('insert into prompts.prompt_executions (organization_id, template_id, template_version_id, prompt_hash) values (%L, %L, %L, %L)',
                       :'org', :'tpl', :'ver', sha256('private prompt')),
                'the hash alone is enough when the prompt may not be stored');

-- Status rules ---------------------------------------------------------------------------------------
select (:'e'::prompts.prompt_executions).id as exec \gset
select throws_ok(format('select prompts.finish_execution(%L, %L, 1, 1, 1)', :'exec', 'running'),
                 '22023', 'an execution finishes as succeeded, failed, timed_out or cancelled, not running',
                 'finish_execution takes a final status only');
select throws_ok(format('select prompts.finish_execution(%L, %L, 1, 1, 1)', :'exec', 'failed'),
                 '23514', 'new row for relation "prompt_executions_' || to_char(now() at time zone 'UTC', '"p"YYYYMM') || '" violates check constraint "prompt_executions_error_message_check"',
                 'a failed execution needs an error message');
select throws_ok(format('select prompts.finish_execution(%L, %L, 1, 1, null)', :'exec', 'succeeded'),
                 '23514', 'new row for relation "prompt_executions_' || to_char(now() at time zone 'UTC', '"p"YYYYMM') || '" violates check constraint "prompt_executions_latency_ms_check"',
                 'a succeeded execution needs its latency');
select is((prompts.finish_execution(:'exec', 'failed', 10, 0, 30000, 'provider returned 503')).status, 'failed',
          'a running execution finishes as failed with its error');
select ok((select completed_at is not null from prompts.prompt_executions where id = :'exec'),
          'completed_at is set when the execution finishes');
select throws_ok(format('select prompts.finish_execution(%L, %L, 1, 1, 1)', :'exec', 'succeeded'),
                 '55000', 'invalid status transition for prompts.prompt_executions.status: "failed" -> "succeeded"',
                 'a finished execution is final (55000, the one status-machine message)');
select (prompts.start_execution(:'tpl', '{"who": "Bob"}')).id as exec2 \gset
select tests.authenticate_as_service_role();
select throws_ok(format('update prompts.prompt_executions set template_version_id = %L where id = %L', :'ver_unpriced', :'exec2'),
                 '55000', format('what prompt execution %s ran cannot change: only status, tokens, latency, error, metadata and completed_at may', :'exec2'),
                 'what an execution ran cannot change, even for the service role');
select throws_ok(format('select prompts.finish_execution(%L, %L, 1, 1, 1)', '00000000-0000-7000-8000-000000000000', 'succeeded'),
                 'P0002', 'prompt execution 00000000-0000-7000-8000-000000000000 not found', 'finishing an unknown execution raises P0002');

-- Partition maintenance: rows of past months wait in the default partition until maintenance
-- gives them a partition of their own, with every index and constraint of the parent.
select tests.clear_authentication();
select ok((select count(*) from prompts.prompt_executions_default) >= 3, 'executions of months without a partition land in the default partition');
select ok(exists (select from base.run_partition_maintenance('prompts.prompt_executions') as m
                   where m.action = 'created from default' and m.partition_name = 'prompts.prompt_executions_p202603'),
          'partition maintenance moves them into monthly partitions');
select is((select cost_usd from prompts.prompt_executions where id = :'other_exec'), 0.03300000::numeric(16,8),
          'a moved execution keeps its cost');

select * from finish();
rollback;
