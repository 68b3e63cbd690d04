-- Full-text search over templates: name (A) > category and description (B) > active version
-- text (C), websearch syntax, stemming, archived and inactive content left out, RLS.
begin;
select plan(25);

insert into prompts.models (name, provider, context_window, max_output_tokens) values ('test-model', 'test', 100000, 4096);
select organization_id as org, member_id as member from tests.create_tenant('search-a') \gset
select organization_id as org_b, member_id as member_b from tests.create_tenant('search-b') \gset

select tests.authenticate_as_service_role();
insert into prompts.prompt_templates (organization_id, name, category, description) values
  (:'org', 'Code review', 'code_review', 'Checks a pull request for bugs'),
  (:'org', 'Summarizer', 'summarization', 'Summarizes a review thread'),
  (:'org', 'Release notes', 'writing', 'Writes release notes'),
  (:'org', 'Old reviewer', 'code_review', 'Archived review helper'),
  (:'org', 'Security audit', 'security', 'Audits a pull request for security issues');
update prompts.prompt_templates set is_archived = true where name = 'Old reviewer';
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model, is_active)
select t.organization_id, t.id, v.text, 'test-model', v.active
  from prompts.prompt_templates as t
  join (values ('Release notes', 'Mention the zebra migration', false),
               ('Release notes', 'List every change a reviewer approved; keep it short', true),
               ('Summarizer', 'Summarize the thread', true),
               ('Code review', 'Review the diff', true)) as v(name, text, active) on v.name = t.name
 order by v.active;
insert into prompts.prompt_templates (organization_id, name, description) values (:'org_b', 'Their code review', 'review in B');

select tests.authenticate_as(:'member');
select is((select array_agg(name order by rank desc, name) from prompts.search_templates('review')),
          array['Code review', 'Summarizer', 'Release notes'],
          'a match in the name ranks above one in the description, above one in the active text');
select is((select array_agg(name) from prompts.search_templates('review')),
          array['Code review', 'Summarizer', 'Release notes'], 'results come best first');
select ok((select bool_and(rank > 0) from prompts.search_templates('review')), 'every hit has a positive rank');
select is((select version from prompts.search_templates('reviewer') where name = 'Release notes'), 2,
          'a hit through the text reports the active version');
select is((select array_agg(name) from prompts.search_templates('reviews')), array['Code review', 'Summarizer', 'Release notes'],
          'English stemming: reviews finds review');
select is_empty($$select * from prompts.search_templates('zebra')$$, 'the text of an inactive version is not searched');
select is((select array_agg(name) from prompts.search_templates('release approved')), array['Release notes'],
          'words of one query may match different fields: the name (release) and the active text (approved)');
select is((select array_agg(name order by name) from prompts.search_templates('"pull request"')),
          array['Code review', 'Security audit'], 'a quoted phrase matches the phrase');
select is((select array_agg(name order by name) from prompts.search_templates('"pull request" -security')),
          array['Code review'], 'a minus excludes a word');
select is((select array_agg(name order by name) from prompts.search_templates('review', 20, null, true)),
          array['Code review', 'Old reviewer', 'Release notes', 'Summarizer'], 'archived templates only on request');
select is((select count(*)::int from prompts.search_templates('review', 1)), 1, 'max_results limits the hits');
select is((select count(*)::int from prompts.search_templates('review', 20, :'org_b')), 0, 'the organization filter restricts the hits');
set local client_min_messages = warning;  -- the "only stop words" notice
select is_empty($$select * from prompts.search_templates('the')$$, 'a query of stop words finds nothing');
reset client_min_messages;
select throws_ok($$select * from prompts.search_templates('review', 0)$$, '22023', 'max_results must be between 1 and 100, got 0',
                 'max_results out of range raises 22023');

select tests.authenticate_as_service_role();
update prompts.prompt_template_versions set is_active = false
 where template_id = (select id from prompts.prompt_templates where name = 'Release notes') and is_active;
select tests.authenticate_as(:'member');
select is_empty($$select * from prompts.search_templates('approved')$$, 'withdrawing the active version takes its text out of search');
update prompts.prompt_template_versions set is_active = true
 where template_id = (select id from prompts.prompt_templates where name = 'Release notes') and version = 1;
select is((select array_agg(name) from prompts.search_templates('zebra')), array['Release notes'],
          'activating another version puts its text in search');

select tests.authenticate_as(:'member_b');
select is((select array_agg(name) from prompts.search_templates('review')), array['Their code review'],
          'another organization finds only its own templates');

select is((select count(*)::int from prompts.search_templates('review', 20, :'org')), 0,
          'naming an organization one does not belong to finds nothing');

-- The function checks the tenant itself (SECURITY DEFINER): only the database role counts.
select tests.authenticate_as_service_role();
select is((select array_agg(name order by name) from prompts.search_templates('code review')),
          array['Code review', 'Their code review'], 'the service role searches every organization');
select is((select array_agg(name order by name) from prompts.search_templates('code review', 20, :'org_b')),
          array['Their code review'], 'or the one it names');
select tests.clear_authentication();
select set_config('request.jwt.claims', '{"role": "service_role"}', true);
set local role authenticated;
select is_empty($$select * from prompts.search_templates('review')$$,
                'a JWT that claims the service role without being it finds nothing');
reset role;

select tests.clear_authentication();
create function pg_temp.plan_of(p_sql text) returns text language plpgsql as $$
declare
  v_line record;
  v_plan text := '';
begin
  for v_line in execute 'explain ' || p_sql loop
    v_plan := v_plan || v_line."QUERY PLAN" || E'\n';
  end loop;
  return v_plan;
end
$$;
set local enable_seqscan = off;
select matches(pg_temp.plan_of($$select id from prompts.prompt_templates where search_vector @@ websearch_to_tsquery('english', 'review')$$),
               'Bitmap Index Scan on prompt_templates_search_vector_idx',
               'the search of template fields is served by the GIN index');
select matches(pg_temp.plan_of(format($$select id from prompts.prompt_templates where search_vector @@ (websearch_to_tsquery('english', 'review') && %L::tsquery)$$,
                                      prompts.organization_search_token(:'org'))),
               'Bitmap Index Scan on prompt_templates_search_vector_idx',
               'the tenant-scoped search (query AND organization token) is served by the GIN index');

-- The active-version cache that the vector covers is the versions' business only.
select tests.authenticate_as_service_role();
select throws_ok($$update prompts.prompt_templates set active_template_text = 'spoofed' where name = 'Summarizer'$$,
                 '55000', format('the active version of prompt template %s is maintained by its versions',
                                 (select id from prompts.prompt_templates where name = 'Summarizer')),
                 'nobody writes the active-version cache directly, not even the service role');
select throws_ok(format($$insert into prompts.prompt_templates (organization_id, id, name, active_version_id, active_version, active_template_text) values (%L, '00000000-0000-7000-8000-0000000000f1', 'Spoof', %L, 1, 'x')$$,
                        :'org', :'org'),
                 '55000', 'the active version of prompt template 00000000-0000-7000-8000-0000000000f1 is maintained by its versions',
                 'nor inserts a template with a made-up active version');

select * from finish();
rollback;
