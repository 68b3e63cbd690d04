-- A/B variations: pick_variation is deterministic per subject and follows the weights.
-- Distribution: 10,000 subjects over weights 50/30/20. The share of a variation among n
-- subjects has a standard deviation of at most sqrt(0.25/n) = 0.005, so each observed share
-- must lie within 0.02 (4 standard deviations) of its weight share, and Pearson's chi-square
-- (2 degrees of freedom) must stay below 13.82 (p = 0.001). The experiment and variation ids
-- are fixed, so the hash values, hence the results, are the same on every run and server.
begin;
select plan(30);

insert into prompts.models (name, provider, context_window, max_output_tokens) values ('test-model', 'test', 100000, 4096);
insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) values ('test-model', '2000-01-01', 1, 2);

select organization_id as org, member_id as member, viewer_id as viewer from tests.create_tenant('variations-a') \gset
select organization_id as other_org, member_id as other_member from tests.create_tenant('variations-b') \gset

select tests.authenticate_as(:'member');
insert into prompts.prompt_templates (organization_id, name) values (:'org', 'Greeting') returning id as tpl \gset
insert into prompts.prompt_templates (organization_id, name) values (:'org', 'Other') returning id as tpl2 \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model)
values (:'org', :'tpl', 'Hello {{name}}', '[{"name": "name", "type": "string"}]', 'test-model') returning id as va \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model)
values (:'org', :'tpl', 'Hi {{name}}!', '[{"name": "name", "type": "string"}]', 'test-model') returning id as vb \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model)
values (:'org', :'tpl', 'Hey {{name}}.', '[{"name": "name", "type": "string"}]', 'test-model') returning id as vc \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'org', :'tpl2', 'Other', 'test-model') returning id as other_template_version \gset

\set exp   '''0190a000-0000-7000-8000-0000000000e1'''
\set exp2  '''0190a000-0000-7000-8000-0000000000e2'''
\set ctl   '''0190a000-0000-7000-8000-000000000001'''
\set trt_a '''0190a000-0000-7000-8000-000000000002'''
\set trt_b '''0190a000-0000-7000-8000-000000000003'''

insert into prompts.prompt_experiments (organization_id, id, template_id, name)
values (:'org', :exp, :'tpl', 'Greeting tone'), (:'org', :exp2, :'tpl', 'Greeting tone, again');
insert into prompts.prompt_variations (organization_id, id, experiment_id, template_id, template_version_id, name, weight, starts_at)
values (:'org', :ctl,   :exp, :'tpl', :'va', 'control',     50, now() - interval '1 day'),
       (:'org', :trt_a, :exp, :'tpl', :'vb', 'treatment-a', 30, now() - interval '1 day'),
       (:'org', :trt_b, :exp, :'tpl', :'vc', 'treatment-b', 20, now() - interval '1 day');
insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name, weight, starts_at)
values (:'org', :exp2, :'tpl', :'va', 'control',     50, now() - interval '1 day'),
       (:'org', :exp2, :'tpl', :'vb', 'treatment-a', 30, now() - interval '1 day'),
       (:'org', :exp2, :'tpl', :'vc', 'treatment-b', 20, now() - interval '1 day');

-- Determinism ------------------------------------------------------------------------------------------
select tests.authenticate_as(:'viewer');
select is(prompts.pick_variation(:exp, 'user-42'), prompts.pick_variation(:exp, 'user-42'),
          'the same subject gets the same variation');

select tests.clear_authentication();
create temporary table picks on commit drop as
select s, prompts.pick_variation(:exp, 'subject-' || s) as variation_id,
          prompts.pick_variation(:exp2, 'subject-' || s) as variation_id_2
  from generate_series(1, 10000) as s;
grant select on picks to authenticated;

select is((select count(*)::int from picks as p
            where p.variation_id is distinct from prompts.pick_variation(:exp, 'subject-' || p.s)),
          0, 'all 10,000 subjects get the same variation a second time');

select is((select count(*)::int from picks
            where variation_id = case when prompts.subject_hash(:exp, 'subject-' || s) / 2.0 ^ 60 < 0.5 then :ctl::uuid
                                      when prompts.subject_hash(:exp, 'subject-' || s) / 2.0 ^ 60 < 0.8 then :trt_a::uuid
                                      else :trt_b::uuid end),
          10000, 'every pick follows the documented rule: the hash scaled to [0, 1) against cumulative weight shares in id order');

-- Distribution ----------------------------------------------------------------------------------------
select is((select count(*)::int from picks where variation_id is null), 0, 'every subject gets a variation');
select ok(abs((select count(*) from picks where variation_id = :ctl) / 10000.0 - 0.5) <= 0.02,
          'control (weight 50) gets 50% of 10,000 subjects, within 2 points');
select ok(abs((select count(*) from picks where variation_id = :trt_a) / 10000.0 - 0.3) <= 0.02,
          'treatment-a (weight 30) gets 30%, within 2 points');
select ok(abs((select count(*) from picks where variation_id = :trt_b) / 10000.0 - 0.2) <= 0.02,
          'treatment-b (weight 20) gets 20%, within 2 points');
select cmp_ok((select sum((o.n - e.n) ^ 2 / e.n)
                 from (select variation_id, count(*)::float8 as n from picks group by variation_id) as o
                 join (values (:ctl::uuid, 5000.0::float8), (:trt_a::uuid, 3000.0), (:trt_b::uuid, 2000.0)) as e(variation_id, n)
                   using (variation_id)),
              '<', 13.82::float8, 'chi-square of the counts against 50/30/20 is below 13.82 (p = 0.001, 2 degrees of freedom)');

-- Salting by experiment: assignments in two experiments with the same weights agree only as
-- often as independent draws would (0.5^2 + 0.3^2 + 0.2^2 = 0.38).
select ok((select count(*) filter (where v1.name = v2.name) / 10000.0
             from picks as p
             join prompts.prompt_variations as v1 on v1.id = p.variation_id
             join prompts.prompt_variations as v2 on v2.id = p.variation_id_2) between 0.34 and 0.42,
          'a subject''s assignments in two experiments are independent');

-- Weights and windows ---------------------------------------------------------------------------------
update prompts.prompt_variations set weight = 0 where id = :trt_b;
create temporary table picks_no_b on commit drop as
select s, prompts.pick_variation(:exp, 'subject-' || s) as variation_id from generate_series(1, 10000) as s;
grant select on picks_no_b to authenticated;
select is((select count(*)::int from picks_no_b where variation_id = :trt_b), 0, 'a weight of 0 pauses a variation');
select ok(abs((select count(*) from picks_no_b where variation_id = :ctl) / 10000.0 - 0.625) <= 0.02,
          'the others share its subjects by their weights (50/80 = 62.5%, within 2 points)');
select is((select count(*)::int from picks as p join picks_no_b as q using (s)
            where p.variation_id = :ctl and q.variation_id <> :ctl), 0,
          'pausing the last variation moves none of the control''s subjects (the hash is scaled, not taken modulo)');

update prompts.prompt_variations set weight = 20, ends_at = now() - interval '1 hour' where id = :trt_b;
select is((select count(*)::int from generate_series(1, 2000) as s
            where prompts.pick_variation(:exp, 'subject-' || s) = :trt_b), 0,
          'a variation whose window has ended takes no subjects');
update prompts.prompt_variations set starts_at = now() + interval '1 day', ends_at = null where id = :trt_b;
select is((select count(*)::int from generate_series(1, 2000) as s
            where prompts.pick_variation(:exp, 'subject-' || s) = :trt_b), 0,
          'a variation whose window has not started takes no subjects');
update prompts.prompt_variations set starts_at = now() - interval '1 day' where id = :trt_b;
select is(prompts.pick_variation(:exp, 'subject-1'), (select variation_id from picks where s = 1),
          'reopening the window restores the original assignment');

update prompts.prompt_variations set ends_at = now() where experiment_id = :exp2;
select is(prompts.pick_variation(:exp2, 'anyone'), null, 'an experiment without an active variation picks nothing (NULL)');

select throws_ok(format('select prompts.pick_variation(%L, %L)', '00000000-0000-7000-8000-000000000000', 'x'),
                 'P0002', 'prompt experiment 00000000-0000-7000-8000-000000000000 not found', 'an unknown experiment raises P0002');
select throws_ok(format('select prompts.pick_variation(%L, %L)', :exp, ''),
                 '22023', 'pick_variation needs a non-empty subject_key', 'an empty subject key raises 22023');

select tests.authenticate_as(:'other_member');
select throws_ok(format('select prompts.pick_variation(%L, %L)', :exp, 'x'),
                 'P0002', 'prompt experiment 0190a000-0000-7000-8000-0000000000e1 not found',
                 'another organization''s experiment does not exist for a member of B');

-- start_execution runs the picked variation --------------------------------------------------------
select tests.authenticate_as(:'member');
select (prompts.start_execution(:'tpl', '{"name": "Ada"}', :exp, 'subject-7')) as e \gset
select is((:'e'::prompts.prompt_executions).variation_id, (select variation_id from picks where s = 7),
          'start_execution records the variation pick_variation chose for the subject');
select is((:'e'::prompts.prompt_executions).template_version_id,
          (select template_version_id from prompts.prompt_variations where id = (select variation_id from picks where s = 7)),
          'and runs that variation''s version');
select is((:'e'::prompts.prompt_executions).rendered_prompt,
          prompts.render_template_version((:'e'::prompts.prompt_executions).template_version_id, '{"name": "Ada"}'),
          'rendered with the variation''s text');
select is((:'e'::prompts.prompt_executions).subject_key, 'subject-7', 'and remembers the subject');
select is((prompts.start_execution(:'tpl', '{"name": "Ada"}', :exp2, 'subject-7')).template_version_id, :'vc'::uuid,
          'without an active variation, start_execution runs the active version');
select throws_ok(format('select prompts.start_execution(%L, %L, %L, %L)', :'tpl2', '{}', :exp, 's'),
                 '22023', format('prompt experiment %s tests template %s, not %s', '0190a000-0000-7000-8000-0000000000e1', :'tpl', :'tpl2'),
                 'an experiment runs only its own template');
select throws_ok(format('select prompts.start_execution(%L, %L, %L, null)', :'tpl', '{"name": "x"}', :exp),
                 '22023', 'pick_variation needs a non-empty subject_key', 'an experiment needs a subject');

-- Integrity of variations ----------------------------------------------------------------------------------
select throws_ok(format('insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name) values (%L, %L, %L, %L, %L)',
                        :'org', :exp, :'tpl', :'other_template_version', 'wrong'),
                 '23503', 'insert or update on table "prompt_variations" violates foreign key constraint "prompt_variations_template_version_id_fkey"',
                 'a variation cannot pin a version of another template');
select throws_ok(format('insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name, weight) values (%L, %L, %L, %L, %L, 1000001)',
                        :'org', :exp, :'tpl', :'va', 'heavy'),
                 '23514', 'new row for relation "prompt_variations" violates check constraint "prompt_variations_weight_check"',
                 'a weight is at most 1,000,000');
select throws_ok(format('update prompts.prompt_variations set ends_at = starts_at where id = %L', :ctl),
                 '23514', 'new row for relation "prompt_variations" violates check constraint "prompt_variations_ends_at_check"',
                 'a window ends after it starts');
select throws_ok(format('update prompts.prompt_variations set template_version_id = %L where id = %L', :'vb', :ctl),
                 '42501', 'permission denied for table prompt_variations', 'a variation''s version is fixed once created');

select * from finish();
rollback;
