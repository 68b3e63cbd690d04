-- Benchmark data of the prompts module, set-based. Run with psql and a scale:
--   psql -X -v ON_ERROR_STOP=1 -v scale=1 -f bench/data/04_prompts.sql
-- scale 1 = 100,000 templates in 10 organizations (bench-prompts-01 .. -10), about 130,000
-- versions (30% of templates have a second, active version), 300,000 executions over the last
-- 30 days (costs computed by the trigger), 60,000 feedbacks, 500 A/B experiments with 12,000
-- executions of their variations, and 10,000 cached context entries (10% expired).
-- Texts are drawn with a Zipf distribution (word of rank r with probability ~ 1/r) from about
-- 2,200 words: a list of the platform's domain words (the most frequent ranks), then the English
-- words of PostgreSQL's own catalog descriptions (pg_description) by their frequency there. So a
-- few words are in nearly every template and most are rare, as in natural text. setseed() makes
-- the data the same on every run of the same PostgreSQL version.
-- Re-runnable: the bench organizations (and everything of theirs) are deleted first.
-- Runs as the deploying owner. Scale 1 took 220-330 s on 2 shared vCPUs, most of it the
-- executions' per-row cost trigger.

\if :{?scale}
\else
  \set scale 1
\endif
\set ON_ERROR_STOP 1
\timing off

begin;
set local client_min_messages = warning;
select setseed(0.42);

create temporary table bench_vocabulary (n integer primary key, word text not null unique) on commit drop;
-- The domain words first (the most frequent ranks), in their listed order ...
insert into bench_vocabulary
select row_number() over (order by min(d.n)), d.w
  from unnest(string_to_array(
    'review code bug diff pull request commit branch merge test coverage refactor function class method module '
    'package dependency security vulnerability injection authentication authorization token session cookie '
    'database query index schema migration transaction lock deadlock latency throughput cache memory leak '
    'performance profile benchmark regression release changelog version semantic deploy rollback canary '
    'incident outage alert monitoring metric log trace span error exception retry timeout backoff queue worker '
    'scheduler cron job pipeline build artifact container image kubernetes cluster node pod service endpoint '
    'api rest graphql grpc schema contract client server request response header payload json yaml config '
    'environment secret credential rotation policy permission role tenant organization user account billing '
    'invoice payment refund subscription plan pricing quota limit rate throttle summary summarize explain '
    'document documentation readme guide tutorial example snippet template prompt context instruction answer '
    'question classify extract translate rewrite tone style concise detailed bullet list table markdown '
    'python typescript javascript golang rust java kotlin swift ruby php sql bash terraform ansible docker '
    'linter formatter compiler type checker static analysis complexity duplication smell architecture design '
    'pattern interface abstraction coupling cohesion naming convention comment docstring accessibility '
    'frontend backend mobile android ios browser render component state hook event stream kafka webhook '
    'slack linear github jira ticket issue triage priority severity estimate sprint roadmap milestone goal '
    'customer feedback survey sentiment churn onboarding support escalation sla uptime availability '
    'replication backup restore failover shard partition vacuum bloat analyze statistics planner optimizer',
    ' ')) with ordinality as d(w, n)
 group by d.w;
-- ... then pg_description's English words, most used first (stop words and words that stem to
-- nothing are left out).
insert into bench_vocabulary
select (select count(*) from bench_vocabulary) + row_number() over (order by c.uses desc, c.w), c.w
  from (select w, count(*) as uses
          from pg_catalog.pg_description, regexp_split_to_table(lower(description), '[^a-z]+') as w
         where length(w) > 2 and to_tsvector('english', w) <> ''::tsvector
         group by w) as c
 where not exists (select from bench_vocabulary as v where v.word = c.w);

-- The vocabulary as one array constant (a psql variable: a constant is not detoasted on every
-- subscript, as a column value would be). A word of rank r is drawn as words[floor((size + 1) ^
-- random())], which gives P(r) ~ 1/r (Zipf, s = 1).
select count(*) as vocabulary_size, array_agg(word order by n)::text as vocabulary from bench_vocabulary \gset

-- Previous bench data goes first (cascade to everything of the bench organizations).
delete from base.organizations where slug like 'bench-prompts-%';

insert into prompts.models (name, provider, context_window, max_output_tokens, description) values
  ('bench-small', 'bench', 128000, 16384, 'Benchmark model (cheap)'),
  ('bench-large', 'bench', 200000, 8192, 'Benchmark model (expensive)')
on conflict on constraint models_pkey do nothing;
insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) values
  ('bench-small', '2000-01-01 00:00+00', 0.15, 0.60),
  ('bench-large', '2000-01-01 00:00+00', 3.00, 15.00)
on conflict on constraint model_prices_model_effective_from_key do nothing;

insert into base.users (email, display_name)
select format('bench-prompts-%s@bench.test', lpad(o::text, 2, '0')), format('Bench prompts user %s', o)
  from generate_series(1, 10) as o
on conflict do nothing;
insert into base.organizations (name, slug)
select format('Bench prompts %s', o), format('bench-prompts-%s', lpad(o::text, 2, '0'))
  from generate_series(1, 10) as o;
insert into base.organization_members (organization_id, user_id, role)
select org.id, u.id, 'owner'
  from base.organizations as org
  join base.users as u on u.email = org.slug || '@bench.test'
 where org.slug like 'bench-prompts-%';

create temporary table bench_orgs on commit drop as
select row_number() over (order by slug) as o, id from base.organizations where slug like 'bench-prompts-%';

-- Templates and versions -------------------------------------------------------------------------------------
-- Built in one temporary table, then written with one INSERT per table. The load sets what the
-- versions' triggers would (numbers, the active flag, the template's active-version cache), so
-- these row triggers are disabled inside this transaction only: _200_before_insert (validation,
-- numbering, hand-over: about 2 ms per version through nested updates), _200_guard_active_version,
-- and the audit triggers of the two tables (the audit trail of synthetic data is not data, and
-- would hold every text twice). The texts are valid by construction; pgTAP covers the triggers.
-- Executions keep their trigger: their costs are computed by the database.
create temporary table bench_templates on commit drop as
select org.id as organization_id,
       base.uuid_generate_v7() as id,
       initcap((:'vocabulary'::text[])[least(:vocabulary_size, floor(power(:vocabulary_size + 1, random()))::int)] || ' '
               || (:'vocabulary'::text[])[least(:vocabulary_size, floor(power(:vocabulary_size + 1, random()))::int)]) || ' #' || t.i as name,
       (array['code_review', 'summarization', 'writing', 'analysis', 'security', 'support'])[1 + t.i % 6] as category,
       array_to_string(array(select (:'vocabulary'::text[])[least(:vocabulary_size, floor(power(:vocabulary_size + 1, random()))::int)]
                               from generate_series(1, 12 + t.i % 9)), ' ') as description,
       random() < 0.3 as has_v2,
       base.uuid_generate_v7() as v1_id,
       base.uuid_generate_v7() as v2_id,
       array_to_string(array(select (:'vocabulary'::text[])[least(:vocabulary_size, floor(power(:vocabulary_size + 1, random()))::int)]
                               from generate_series(1, 20 + t.i * 0)), ' ')
       || ' {{repository}} '
       || array_to_string(array(select (:'vocabulary'::text[])[least(:vocabulary_size, floor(power(:vocabulary_size + 1, random()))::int)]
                                  from generate_series(1, 20 + t.i * 0)), ' ')
       || E'\n\n{{diff}}\n\n{{tone}}' as v1_text,
       array_to_string(array(select (:'vocabulary'::text[])[least(:vocabulary_size, floor(power(:vocabulary_size + 1, random()))::int)]
                               from generate_series(1, 25 + t.i * 0)), ' ')
       || ' {{repository}} '
       || array_to_string(array(select (:'vocabulary'::text[])[least(:vocabulary_size, floor(power(:vocabulary_size + 1, random()))::int)]
                                  from generate_series(1, 20 + t.i * 0)), ' ')
       || E'\n\n{{diff}}\n\n{{tone}}' as v2_text,
       case when random() < 0.7 then 'bench-small' else 'bench-large' end as v1_model
  from generate_series(1, greatest(1, round(100000 * :scale))::int) as t(i)
  join bench_orgs as org on org.o = 1 + t.i % 10;

alter table prompts.prompt_templates disable trigger _200_guard_active_version;
alter table prompts.prompt_templates disable trigger _900_audit_insert;
alter table prompts.prompt_template_versions disable trigger _200_before_insert;
alter table prompts.prompt_template_versions disable trigger _900_audit_insert;

insert into prompts.prompt_templates (organization_id, id, name, category, description,
                                      active_version_id, active_version, active_template_text)
select organization_id, id, name, category, description,
       case when has_v2 then v2_id else v1_id end, case when has_v2 then 2 else 1 end,
       case when has_v2 then v2_text else v1_text end
  from bench_templates;

insert into prompts.prompt_template_versions (organization_id, id, template_id, version, is_active, template_text, variables,
                                              model, temperature, max_tokens)
select organization_id, v1_id, id, 1, not has_v2, v1_text,
       '[{"name": "repository", "type": "string"}, {"name": "diff", "type": "string"},
         {"name": "tone", "type": "string", "required": false, "default": "neutral"}]'::jsonb,
       v1_model, 0.2, 2000
  from bench_templates
union all
select organization_id, v2_id, id, 2, true, v2_text,
       '[{"name": "repository", "type": "string"}, {"name": "diff", "type": "string"},
         {"name": "tone", "type": "string", "required": false, "default": "direct"}]'::jsonb,
       'bench-small', 0.2, 2000
  from bench_templates
 where has_v2;

alter table prompts.prompt_templates enable trigger _200_guard_active_version;
alter table prompts.prompt_templates enable trigger _900_audit_insert;
alter table prompts.prompt_template_versions enable trigger _200_before_insert;
alter table prompts.prompt_template_versions enable trigger _900_audit_insert;

-- Executions: 3 per template over the last 30 days, of the active version.
insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, prompt_hash,
                                       input_tokens, output_tokens, latency_ms, status, error_message)
select v.organization_id, now() - random() * interval '30 days', v.template_id, v.id,
       sha256(convert_to(v.id::text || k, 'UTF8')),
       200 + (random() * 3000)::int, 50 + (random() * 800)::int, 300 + (random() * random() * 20000)::int,
       s.status, case when s.status = 'failed' then 'bench: provider error' end
  from prompts.prompt_template_versions as v
  join bench_orgs as org on org.id = v.organization_id
  cross join generate_series(1, 3) as k
  cross join lateral (select case when random() < 0.92 then 'succeeded' else 'failed' end as status
                       where k > 0) as s
 where v.is_active;

-- Experiments on 50 templates with two versions per organization; 24 executions each.
create temporary table bench_experiment_templates on commit drop as
select t.organization_id, t.id as template_id,
       (select id from prompts.prompt_template_versions where organization_id = t.organization_id and template_id = t.id and version = 1) as v1,
       (select id from prompts.prompt_template_versions where organization_id = t.organization_id and template_id = t.id and version = 2) as v2
  from (select t.organization_id, t.id, row_number() over (partition by t.organization_id order by t.id) as r
          from prompts.prompt_templates as t
          join bench_orgs as org on org.id = t.organization_id
         where exists (select from prompts.prompt_template_versions as v
                        where v.organization_id = t.organization_id and v.template_id = t.id and v.version = 2)) as t
 where t.r <= greatest(1, round(50 * least(:scale, 1)));

insert into prompts.prompt_experiments (organization_id, template_id, name)
select organization_id, template_id, 'bench experiment ' || template_id from bench_experiment_templates;
insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name, weight, starts_at)
select x.organization_id, x.id, x.template_id, case a.arm when 'A' then b.v1 else b.v2 end, a.arm, a.weight, now() - interval '31 days'
  from prompts.prompt_experiments as x
  join bench_experiment_templates as b on b.organization_id = x.organization_id and b.template_id = x.template_id
  cross join (values ('A', 50), ('B', 50)) as a(arm, weight);
insert into prompts.prompt_executions (organization_id, started_at, template_id, template_version_id, variation_id, subject_key,
                                       prompt_hash, input_tokens, output_tokens, latency_ms, status, error_message)
select pv.organization_id, now() - random() * interval '30 days', pv.template_id, pv.template_version_id, pv.id, 'subject-' || k,
       sha256(convert_to(pv.id::text || k, 'UTF8')),
       200 + (random() * 3000)::int, 50 + (random() * 800)::int, 300 + (random() * 8000)::int,
       s.status, case when s.status = 'failed' then 'bench: provider error' end
  from prompts.prompt_variations as pv
  join bench_orgs as org on org.id = pv.organization_id
  cross join generate_series(1, 12) as k
  cross join lateral (select case when random() < (case pv.name when 'A' then 0.85 else 0.9 end) then 'succeeded' else 'failed' end as status
                       where k > 0) as s;

-- Feedback on 20% of the executions, by the organization's user.
insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating, thumbs_up)
select e.organization_id, e.id, m.user_id,
       case when r < 0.7 then 1 + floor(random() * 5)::int end,
       case when r >= 0.7 then random() < 0.6 end
  from prompts.prompt_executions as e
  join bench_orgs as org on org.id = e.organization_id
  join base.organization_members as m on m.organization_id = e.organization_id
  cross join lateral (select random() as r where e.id is not null) as x
 where random() < 0.2;

-- Context: 5 sources per organization, 200 keys per source at scale 1, 10% already expired.
insert into prompts.context_sources (organization_id, name, kind, configuration, default_ttl)
select org.id, 'bench source ' || s, 'repository_file', jsonb_build_object('path', 'src/file-' || s || '.py'), '1 day'
  from bench_orgs as org cross join generate_series(1, 5) as s;
insert into prompts.context_data (organization_id, source_id, context_key, content, fetched_at, expires_at)
select src.organization_id, src.id, 'src/module-' || k || '.py',
       repeat('def function_' || k || '(): return ' || k || E'\n', 60),
       now() - interval '2 hours',
       case when random() < 0.1 then now() - interval '1 minute' else now() + interval '1 day' end
  from prompts.context_sources as src
  join bench_orgs as org on org.id = src.organization_id
  cross join generate_series(1, greatest(1, round(200 * :scale))::int) as k;

commit;

-- Executions older than this month wait in the default partition: give them their partitions.
select count(*) as partitions_created from base.run_partition_maintenance('prompts.prompt_executions');
-- VACUUM also merges the GIN pending list into the index, as autovacuum would in time.
vacuum analyze prompts.prompt_templates;
vacuum analyze prompts.prompt_template_versions;
analyze prompts.prompt_executions;
analyze prompts.prompt_feedback;
analyze prompts.context_data;

select (select count(*) from prompts.prompt_templates t join base.organizations o on o.id = t.organization_id and o.slug like 'bench-prompts-%') as templates,
       (select count(*) from prompts.prompt_template_versions v join base.organizations o on o.id = v.organization_id and o.slug like 'bench-prompts-%') as versions,
       (select count(*) from prompts.prompt_executions e join base.organizations o on o.id = e.organization_id and o.slug like 'bench-prompts-%') as executions,
       (select count(*) from prompts.prompt_feedback f join base.organizations o on o.id = f.organization_id and o.slug like 'bench-prompts-%') as feedback,
       (select count(*) from prompts.context_data c join base.organizations o on o.id = c.organization_id and o.slug like 'bench-prompts-%') as context_entries;
