-- Seed: projects module. Several projects in every lifecycle state, with repositories, branches,
-- links and teams, for the organizations acme and globex of seeds/00_base.sql.
-- Loadable any number of times: fixed ids + ON CONFLICT DO NOTHING, and the status walks run
-- only for a project that still has nothing but its creation in the history.
-- Organizations and users are looked up by slug and e-mail.

begin;

-- Projects ---------------------------------------------------------------------------------------
insert into projects.projects
  (organization_id, id, name, slug, description, priority, owner_id, goals, start_date, target_date, metadata)
select o.id, v.id::uuid, v.name, v.slug, v.description, v.priority, u.id, v.goals::jsonb,
       current_date + v.start_offset, current_date + v.target_offset, '{"seed": true}'::jsonb
  from (values
    ('acme', '01000000-0000-7000-8000-000000000101', 'Platform Rewrite', 'platform-rewrite',
     'Move the monolith to services.', 'high', 'admin@acme.test',
     '[{"text": "API gateway live", "target_date": "2027-01-31", "done": true}, {"text": "Billing service extracted", "done": false}]',
     -120, 60),
    ('acme', '01000000-0000-7000-8000-000000000102', 'Mobile App', 'mobile-app',
     'Native apps for iOS and Android.', 'medium', 'member@acme.test', '[{"text": "Design review"}]', 10, 200),
    ('acme', '01000000-0000-7000-8000-000000000103', 'Billing Migration', 'billing-migration',
     'Move invoicing to the new provider.', 'critical', 'owner@acme.test', '[]', -90, -5),
    ('acme', '01000000-0000-7000-8000-000000000104', 'Legacy Shutdown', 'legacy-shutdown',
     'Turn off the old data centre.', 'low', 'admin@acme.test', '[{"text": "Last VM off", "done": true}]', -400, -30),
    ('acme', '01000000-0000-7000-8000-000000000105', 'Website 2025', 'website-2025',
     'Last year''s marketing site.', 'low', 'member@acme.test', '[]', -700, -365),
    ('acme', '01000000-0000-7000-8000-000000000106', 'Chatbot Pilot', 'chatbot-pilot',
     'Support chatbot trial.', 'medium', null, '[]', -60, 30),
    ('globex', '01000000-0000-7000-8000-000000000201', 'Data Lake', 'data-lake',
     'Central analytics storage.', 'high', 'admin@globex.test', '[{"text": "Ingest first source", "done": true}]', -30, 90),
    ('globex', '01000000-0000-7000-8000-000000000202', 'Compliance Audit', 'compliance-audit',
     'SOC 2 readiness.', 'critical', 'owner@globex.test', '[]', 0, 45)
  ) as v(org, id, name, slug, description, priority, owner_email, goals, start_offset, target_offset)
  join base.organizations as o on o.slug = v.org
  left join base.users as u on lower(u.email) = v.owner_email
on conflict do nothing;

-- Status walks, as the organization's admin (so the history names a person) -----------------------
do $$
declare
  v_walk record;
  v_step text;
begin
  for v_walk in
    select p.organization_id, p.id, v.path, u.id as admin_id
      from (values
        ('01000000-0000-7000-8000-000000000101', array['active']),
        ('01000000-0000-7000-8000-000000000103', array['active', 'on_hold']),
        ('01000000-0000-7000-8000-000000000104', array['active', 'completed']),
        ('01000000-0000-7000-8000-000000000105', array['active', 'on_hold', 'active', 'completed', 'archived']),
        ('01000000-0000-7000-8000-000000000106', array['active', 'cancelled']),
        ('01000000-0000-7000-8000-000000000201', array['active'])
      ) as v(id, path)
      join projects.projects as p on p.id = v.id::uuid
      join base.organizations as o on o.id = p.organization_id
      left join base.users as u on lower(u.email) = 'admin@' || o.slug || '.test'
     where p.status = 'planning'
       and (select count(*) from projects.project_status_history as h where h.project_id = p.id) = 1
  loop
    perform set_config('request.jwt.claims', coalesce(json_build_object('sub', v_walk.admin_id)::text, ''), true);
    foreach v_step in array v_walk.path loop
      perform projects.transition_project(v_walk.organization_id, v_walk.id, v_step,
                                          'seed: ' || v_step);
    end loop;
  end loop;
  perform set_config('request.jwt.claims', '', true);
end
$$;

-- Repositories -----------------------------------------------------------------------------------
insert into projects.repositories
  (organization_id, id, provider, full_name, clone_url, default_branch, visibility, primary_language, description, analysis_config)
select o.id, v.id::uuid, v.provider, v.full_name, v.clone_url, 'main', v.visibility, v.language, v.description, v.config::jsonb
  from (values
    ('acme', '01000000-0000-7000-8000-000000000301', 'github', 'acme/api', 'https://github.com/acme/api.git', 'private', 'Go',
     'Public API and services.', '{"tools": ["golangci-lint", "semgrep", "coverage"], "include": ["**/*.go"], "exclude": ["vendor/**"], "schedule": "on_push"}'),
    ('acme', '01000000-0000-7000-8000-000000000302', 'github', 'acme/web', 'https://github.com/acme/web.git', 'private', 'TypeScript',
     'Web front end.', '{"tools": ["eslint", "coverage"], "include": ["src/**"], "schedule": "daily"}'),
    ('acme', '01000000-0000-7000-8000-000000000303', 'gitlab', 'acme/mobile/app', 'git@gitlab.com:acme/mobile/app.git', 'internal', 'Kotlin',
     'Android and iOS apps.', '{"tools": ["detekt"], "schedule": "0 3 * * 1"}'),
    ('acme', '01000000-0000-7000-8000-000000000304', 'github', 'acme/docs', 'https://github.com/acme/docs.git', 'public', 'Markdown',
     'Product documentation.', '{"schedule": "manual"}'),
    ('globex', '01000000-0000-7000-8000-000000000401', 'bitbucket', 'globex/pipeline', 'https://bitbucket.org/globex/pipeline.git', 'private', 'Python',
     'Ingestion pipeline.', '{"tools": ["ruff", "bandit", "coverage"], "schedule": "on_push"}'),
    ('globex', '01000000-0000-7000-8000-000000000402', 'azure_devops', 'globex/etl', 'https://dev.azure.com/globex/data/_git/etl', 'private', 'SQL',
     'Transformations.', '{}')
  ) as v(org, id, provider, full_name, clone_url, visibility, language, description, config)
  join base.organizations as o on o.slug = v.org
on conflict do nothing;

-- Branches: main is the default of each repository ------------------------------------------------
insert into projects.repository_branches
  (organization_id, repository_id, name, head_commit_sha, commit_author, commit_message, committed_at,
   is_default, is_protected, ahead_count, behind_count)
select r.organization_id, r.id, v.name, encode(sha256(convert_to(r.full_name || '/' || v.name, 'UTF8')), 'hex')::text,
       v.author, v.message, now() - v.age, v.name = 'main', v.name = 'main',
       case when v.name = 'main' then 0 else v.ahead end, case when v.name = 'main' then 0 else v.behind end
  from (values
    ('acme/api', 'main', 'ada@acme.test', 'Merge pull request #412', interval '2 hours', 0, 0),
    ('acme/api', 'feature/rate-limits', 'lin@acme.test', 'Token bucket per key', interval '1 day', 7, 2),
    ('acme/api', 'release/2026.11', 'ada@acme.test', 'Bump version', interval '5 days', 1, 14),
    ('acme/web', 'main', 'sam@acme.test', 'Dark mode', interval '3 hours', 0, 0),
    ('acme/web', 'fix/login-redirect', 'sam@acme.test', 'Keep the return URL', interval '6 hours', 2, 0),
    ('acme/mobile/app', 'main', 'kim@acme.test', 'Initial commit', interval '10 days', 0, 0),
    ('acme/docs', 'main', 'ada@acme.test', 'Document rate limits', interval '1 day', 0, 0),
    ('globex/pipeline', 'main', 'joe@globex.test', 'Add S3 source', interval '4 hours', 0, 0),
    ('globex/pipeline', 'feature/kafka', 'joe@globex.test', 'Kafka consumer', interval '2 days', 12, 3),
    ('globex/etl', 'main', 'eve@globex.test', 'Daily revenue model', interval '8 hours', 0, 0)
  ) as v(full_name, name, author, message, age, ahead, behind)
  join projects.repositories as r on r.full_name = v.full_name
  join base.organizations as o on o.id = r.organization_id and o.slug in ('acme', 'globex')
on conflict do nothing;

-- Links ------------------------------------------------------------------------------------------
insert into projects.project_repositories (organization_id, project_id, repository_id, role)
select p.organization_id, p.id, r.id, v.role
  from (values
    ('01000000-0000-7000-8000-000000000101', '01000000-0000-7000-8000-000000000301', 'primary'),
    ('01000000-0000-7000-8000-000000000101', '01000000-0000-7000-8000-000000000302', 'component'),
    ('01000000-0000-7000-8000-000000000101', '01000000-0000-7000-8000-000000000304', 'docs'),
    ('01000000-0000-7000-8000-000000000102', '01000000-0000-7000-8000-000000000303', 'primary'),
    ('01000000-0000-7000-8000-000000000102', '01000000-0000-7000-8000-000000000301', 'dependency'),
    ('01000000-0000-7000-8000-000000000103', '01000000-0000-7000-8000-000000000301', 'component'),
    ('01000000-0000-7000-8000-000000000201', '01000000-0000-7000-8000-000000000401', 'primary'),
    ('01000000-0000-7000-8000-000000000201', '01000000-0000-7000-8000-000000000402', 'component')
  ) as v(project_id, repository_id, role)
  join projects.projects as p on p.id = v.project_id::uuid
  join projects.repositories as r on r.organization_id = p.organization_id and r.id = v.repository_id::uuid
on conflict do nothing;

-- Teams ------------------------------------------------------------------------------------------
insert into projects.project_members (organization_id, project_id, user_id, role)
select p.organization_id, p.id, m.user_id, v.role
  from (values
    ('01000000-0000-7000-8000-000000000101', 'admin@acme.test', 'lead'),
    ('01000000-0000-7000-8000-000000000101', 'member@acme.test', 'contributor'),
    ('01000000-0000-7000-8000-000000000101', 'viewer@acme.test', 'observer'),
    ('01000000-0000-7000-8000-000000000102', 'member@acme.test', 'lead'),
    ('01000000-0000-7000-8000-000000000103', 'owner@acme.test', 'lead'),
    ('01000000-0000-7000-8000-000000000201', 'admin@globex.test', 'lead'),
    ('01000000-0000-7000-8000-000000000201', 'member@globex.test', 'contributor')
  ) as v(project_id, email, role)
  join projects.projects as p on p.id = v.project_id::uuid
  join base.users as u on lower(u.email) = v.email
  join base.organization_members as m on m.organization_id = p.organization_id and m.user_id = u.id
on conflict do nothing;

commit;
