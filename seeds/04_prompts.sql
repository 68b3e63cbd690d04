-- Demo data of the prompts module: a model catalog with prices, templates with several
-- versions, an A/B experiment, executions with database-computed costs, feedback, and cached
-- context, in the base seed's organizations (acme, globex) and users (owner/admin/member/viewer).
-- Loadable any number of times: catalog rows by natural key with ON CONFLICT DO NOTHING, tenant
-- rows looked up by natural key (organization + name) and inserted only when missing.
-- Runs as the deploying owner (no JWT), like the other seed files.

begin;

insert into prompts.models (name, provider, context_window, max_output_tokens, max_temperature, description) values
  ('gpt-4o-mini',       'openai',    128000, 16384, 2, 'Small, fast general model'),
  ('gpt-4o',            'openai',    128000, 16384, 2, 'Large general model'),
  ('claude-3-5-sonnet', 'anthropic', 200000,  8192, 1, 'Large model, temperature up to 1')
on conflict on constraint models_pkey do nothing;

insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) values
  ('gpt-4o-mini',       '2024-07-18 00:00+00', 0.15,  0.60),
  ('gpt-4o',            '2024-05-13 00:00+00', 5.00, 15.00),
  ('gpt-4o',            '2024-08-06 00:00+00', 2.50, 10.00),
  ('claude-3-5-sonnet', '2024-06-20 00:00+00', 3.00, 15.00)
on conflict on constraint model_prices_model_effective_from_key do nothing;

do $$
declare
  v_acme     uuid := (select id from base.organizations where slug = 'acme');
  v_globex   uuid := (select id from base.organizations where slug = 'globex');
  v_member   uuid := (select id from base.users where lower(email) = 'member@acme.test');
  v_admin    uuid := (select id from base.users where lower(email) = 'admin@acme.test');
  v_gmember  uuid := (select id from base.users where lower(email) = 'member@globex.test');
  v_review   uuid;
  v_summary  uuid;
  v_greport  uuid;
  v_review_1 uuid;
  v_review_2 uuid;
  v_exp      uuid;
  v_var_b    uuid;
  v_source   uuid;
  v_exec     record;
  v_i        integer;
begin
  if v_acme is null or v_globex is null then
    raise exception 'seeds/04_prompts.sql needs the base seed (organizations acme and globex) first'
      using errcode = '55000';
  end if;

  -- acme negotiated a lower price for gpt-4o-mini from 2025 on.
  insert into prompts.organization_model_prices (organization_id, model, effective_from, input_price_per_mtok, output_price_per_mtok, note)
  values (v_acme, 'gpt-4o-mini', '2025-01-01 00:00+00', 0.10, 0.40, 'Enterprise agreement 2025')
  on conflict on constraint organization_model_prices_model_effective_from_key do nothing;

  -- Templates ---------------------------------------------------------------------------------------
  insert into prompts.prompt_templates (organization_id, name, category, description, created_by)
  values (v_acme, 'Code review', 'code_review', 'Reviews a pull request diff and lists bugs, risks and style issues', v_member),
         (v_acme, 'Commit summary', 'summarization', 'Summarizes the commits of a branch for release notes', v_member),
         (v_globex, 'Incident report', 'writing', 'Drafts an incident report from a timeline', v_gmember)
  on conflict on constraint prompt_templates_organization_id_name_key do nothing;
  select id into v_review  from prompts.prompt_templates where organization_id = v_acme and name = 'Code review';
  select id into v_summary from prompts.prompt_templates where organization_id = v_acme and name = 'Commit summary';
  select id into v_greport from prompts.prompt_templates where organization_id = v_globex and name = 'Incident report';

  -- Versions, in order: each insert makes the newest one active.
  if not exists (select from prompts.prompt_template_versions where organization_id = v_acme and template_id = v_review) then
    insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model, temperature, max_tokens, change_note, created_by)
    values (v_acme, v_review,
            E'Review this diff of {{repository}}:\n{{diff}}\nList bugs first.',
            '[{"name": "repository", "type": "string", "description": "owner/name"},
              {"name": "diff", "type": "string"}]',
            'gpt-4o-mini', 0.2, 2000, 'First version', v_member);
    insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model, temperature, max_tokens, change_note, created_by)
    values (v_acme, v_review,
            E'You review code for {{repository}} in a {{tone}} tone. Report at most {{max_findings}} findings, bugs first.\n\n{{diff}}',
            '[{"name": "repository", "type": "string", "description": "owner/name"},
              {"name": "diff", "type": "string"},
              {"name": "tone", "type": "string", "required": false, "default": "direct"},
              {"name": "max_findings", "type": "integer", "required": false, "default": 10}]',
            'gpt-4o', 0.2, 2000, 'Tone and a cap on findings', v_member);
  end if;
  select id into v_review_1 from prompts.prompt_template_versions where organization_id = v_acme and template_id = v_review and version = 1;
  select id into v_review_2 from prompts.prompt_template_versions where organization_id = v_acme and template_id = v_review and version = 2;

  if not exists (select from prompts.prompt_template_versions where organization_id = v_acme and template_id = v_summary) then
    insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model, temperature, max_tokens, created_by)
    values (v_acme, v_summary, E'Summarize these commits for the release notes of {{release}}:\n{{commits}}',
            '[{"name": "release", "type": "string"}, {"name": "commits", "type": "array"}]',
            'claude-3-5-sonnet', 0.5, 1000, v_member);
  end if;
  if not exists (select from prompts.prompt_template_versions where organization_id = v_globex and template_id = v_greport) then
    insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model, created_by)
    values (v_globex, v_greport, E'Write an incident report for {{service}} from this timeline:\n{{timeline}}',
            '[{"name": "service", "type": "string"}, {"name": "timeline", "type": "string"}]',
            'gpt-4o-mini', v_gmember);
  end if;

  -- An A/B experiment: version 1 against version 2 of the code review, 50/50.
  insert into prompts.prompt_experiments (organization_id, template_id, name, description, created_by)
  values (v_acme, v_review, 'Review v1 vs v2', 'Does the tone and the cap on findings help?', v_member)
  on conflict on constraint prompt_experiments_organization_id_name_key do nothing;
  select id into v_exp from prompts.prompt_experiments where organization_id = v_acme and name = 'Review v1 vs v2';
  insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, name, weight, starts_at)
  values (v_acme, v_exp, v_review, v_review_1, 'v1 control', 50, '2025-01-01 00:00+00'),
         (v_acme, v_exp, v_review, v_review_2, 'v2 tone and cap', 50, '2025-01-01 00:00+00')
  on conflict on constraint prompt_variations_organization_id_experiment_id_name_key do nothing;
  select id into v_var_b from prompts.prompt_variations where organization_id = v_acme and experiment_id = v_exp and name = 'v2 tone and cap';

  -- Executions (once): 12 experiment runs over the last days, the variation chosen by
  -- pick_variation for each subject, plus two summaries; costs are computed by the database.
  if not exists (select from prompts.prompt_executions where organization_id = v_acme) then
    for v_i in 1 .. 12 loop
      insert into prompts.prompt_executions
        (organization_id, started_at, template_id, template_version_id, variation_id, subject_key, rendered_prompt,
         input_tokens, output_tokens, latency_ms, status, error_message)
      select v_acme, now() - make_interval(hours => 6 * v_i), v_review, pv.template_version_id, pv.id, 'repo-' || v_i,
             prompts.render_template_version(pv.template_version_id,
                                              jsonb_build_object('repository', 'acme/service-' || v_i, 'diff', E'--- a/app.py\n+++ b/app.py')),
             800 + 37 * v_i, 150 + 11 * v_i, 900 + 140 * v_i,
             case when v_i % 5 = 0 then 'failed' else 'succeeded' end,
             case when v_i % 5 = 0 then 'provider timeout after retries' end
        from prompts.prompt_variations as pv
       where pv.organization_id = v_acme and pv.id = prompts.pick_variation(v_exp, 'repo-' || v_i);
    end loop;
    insert into prompts.prompt_executions
      (organization_id, started_at, template_id, template_version_id, rendered_prompt, input_tokens, output_tokens, latency_ms, status)
    select v_acme, now() - make_interval(days => d), v_summary, v.id,
           prompts.render_template_version(v.id, jsonb_build_object('release', '1.' || d, 'commits', jsonb_build_array('fix: login', 'feat: export'))),
           1200, 300, 2100 + d * 10, 'succeeded'
      from prompts.prompt_template_versions as v, generate_series(1, 2) as d
     where v.organization_id = v_acme and v.template_id = v_summary and v.is_active;
  end if;
  if not exists (select from prompts.prompt_executions where organization_id = v_globex) then
    insert into prompts.prompt_executions
      (organization_id, template_id, template_version_id, rendered_prompt, input_tokens, output_tokens, latency_ms, status)
    select v_globex, v_greport, v.id,
           prompts.render_template_version(v.id, '{"service": "payments", "timeline": "09:00 alert, 09:20 fixed"}'),
           600, 400, 1800, 'succeeded'
      from prompts.prompt_template_versions as v
     where v.organization_id = v_globex and v.template_id = v_greport and v.is_active;
  end if;

  -- Feedback: the member rates the experiment runs, the admin gives thumbs.
  for v_exec in
    select e.id, e.variation_id, row_number() over (order by e.started_at) as n
      from prompts.prompt_executions as e
     where e.organization_id = v_acme and e.template_id = v_review and e.status = 'succeeded'
  loop
    -- template_id and template_version_id are filled in from the execution by the trigger.
    insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating, comment)
    values (v_acme, v_exec.id, v_member,
            case when v_exec.variation_id = v_var_b then 4 + (v_exec.n % 2)::int else 3 + (v_exec.n % 2)::int end,
            case when v_exec.n = 1 then 'Found the real bug' end)
    on conflict on constraint prompt_feedback_organization_id_execution_id_user_id_key do nothing;
    if v_admin is not null and v_exec.n % 3 = 0 then
      insert into prompts.prompt_feedback (organization_id, execution_id, user_id, thumbs_up)
      values (v_acme, v_exec.id, v_admin, v_exec.variation_id = v_var_b)
      on conflict on constraint prompt_feedback_organization_id_execution_id_user_id_key do nothing;
    end if;
  end loop;

  -- Context: a repository file, cached for a day.
  insert into prompts.context_sources (organization_id, name, kind, description, configuration, refresh_policy, refresh_interval, default_ttl)
  values (v_acme, 'API repository README', 'repository_file', 'The README of acme/api, injected into reviews',
          '{"repository": "acme/api", "path": "README.md", "ref": "main"}', 'on_expiry', null, '1 day'),
         (v_acme, 'Engineering handbook', 'url', 'Coding guidelines', '{"url": "https://handbook.acme.test/coding"}',
          'scheduled', '1 day', '7 days')
  on conflict on constraint context_sources_organization_id_name_key do nothing;
  select id into v_source from prompts.context_sources where organization_id = v_acme and name = 'API repository README';
  insert into prompts.context_data (organization_id, source_id, context_key, content, metadata, fetched_at, expires_at)
  values (v_acme, v_source, 'README.md', E'# acme/api\n\nThe public API of Acme. Run `make test` before pushing.',
          '{"commit": "4f2a9c1"}', now(), now() + interval '1 day')
  on conflict on constraint context_data_organization_id_source_id_context_key_key do nothing;
end
$$;

commit;
