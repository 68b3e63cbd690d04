-- projects module, layer 2: project columns (names, dates, goals, owner), soft delete, teams
-- (only organization members join), project-repository links (never across organizations),
-- audit, and the two views.
begin;
select plan(46);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('proj-rules-a') \gset
select organization_id as org_b, member_id as member_b from tests.create_tenant('proj-rules-b') \gset
select tests.create_user('proj-rules-leaver@example.test') as leaver \gset
select tests.add_member(:'org', :'leaver', 'member') is not null as added \gset

-- Names, slugs, dates, priority ---------------------------------------------------------------
insert into projects.projects (organization_id, name, slug, owner_id, start_date, target_date)
values (:'org', 'Apollo', 'apollo', :'leaver', '2026-01-01', '2026-06-30') returning id as p1 \gset
select throws_ok(
  format($$insert into projects.projects (organization_id, name, slug) values (%L, 'APOLLO', 'apollo-2')$$, :'org'),
  '23505', 'duplicate key value violates unique constraint "projects_organization_id_name_key"',
  'a live project name is unique per organization, whatever its case');
select throws_ok(
  format($$insert into projects.projects (organization_id, name, slug) values (%L, 'Apollo 2', 'apollo')$$, :'org'),
  '23505', 'duplicate key value violates unique constraint "projects_organization_id_slug_key"',
  'a live project slug is unique per organization');
select lives_ok(
  format($$insert into projects.projects (organization_id, name, slug) values (%L, 'Apollo', 'apollo')$$, :'org_b'),
  'another organization may use the same name and slug');
select throws_ok(
  format($$insert into projects.projects (organization_id, name, slug) values (%L, 'Bad slug', 'Bad Slug')$$, :'org'),
  '23514', 'new row for relation "projects" violates check constraint "projects_slug_check"', 'slugs are lowercase URL names');
select throws_ok(
  format($$insert into projects.projects (organization_id, name, slug) values (%L, ' padded ', 'padded')$$, :'org'),
  '23514', 'new row for relation "projects" violates check constraint "projects_name_check"', 'names are trimmed and non-empty');
select throws_ok(
  format($$update projects.projects set target_date = '2025-12-31' where id = %L$$, :'p1'),
  '23514', 'new row for relation "projects" violates check constraint "projects_target_date_check"',
  'the target date cannot precede the start date');
select throws_ok(
  format($$update projects.projects set priority = 'urgent' where id = %L$$, :'p1'),
  '23514', 'new row for relation "projects" violates check constraint "projects_priority_check"', 'priority is low, medium, high or critical');
select throws_ok(
  format($$update projects.projects set metadata = '[]' where id = %L$$, :'p1'),
  '23514', 'new row for relation "projects" violates check constraint "projects_metadata_check"', 'metadata is a JSON object');

-- Goals are structured -------------------------------------------------------------------------
select lives_ok(
  format($$update projects.projects set goals = '[{"text": "Beta", "target_date": "2026-03-31", "done": true}, {"text": "GA"}]' where id = %L$$, :'p1'),
  'goals with text, target_date and done are accepted');
select throws_ok(
  format($$update projects.projects set goals = %L where id = %L$$, g, :'p1'),
  '23514', msg, format('goals %s are refused: %s', g, msg))
  from (values (1, '{"text": "x"}', 'project goals must be a JSON array, not object'),
               (2, '["ship it"]', 'project goal 1 must be a JSON object, not string'),
               (3, '[{"text": "a"}, {"title": "b"}]', 'project goal 2 has an unknown key "title"'),
               (4, '[{"text": ""}]', 'project goal 1 needs a text of 1 to 500 characters'),
               (5, '[{"text": "a", "target_date": "next week"}]', 'project goal 1 has target_date "next week", which is not a YYYY-MM-DD date'),
               (6, '[{"text": "a", "target_date": "2026-02-30"}]', 'project goal 1 has target_date 2026-02-30, which is not a calendar date'),
               (7, '[{"text": "a", "done": "yes"}]', 'project goal 1 has done = "yes", which is not a boolean'))
       as v(n, g, msg)
 order by n;

-- The owner belongs to the organization ------------------------------------------------------
select throws_ok(
  format($$update projects.projects set owner_id = %L where id = %L$$, :'member_b', :'p1'),
  '23503', 'insert or update on table "projects" violates foreign key constraint "projects_organization_id_owner_id_fkey"',
  'a project owner must be a member of the organization');

-- Teams: only organization members join ------------------------------------------------------
insert into projects.project_members (organization_id, project_id, user_id, role)
values (:'org', :'p1', :'member', 'lead'), (:'org', :'p1', :'leaver', 'contributor');
select throws_ok(
  format($$insert into projects.project_members (organization_id, project_id, user_id) values (%L, %L, %L)$$, :'org', :'p1', :'member_b'),
  '23503', 'insert or update on table "project_members" violates foreign key constraint "project_members_organization_id_user_id_fkey"',
  'a user outside the organization cannot join its project');
select throws_ok(
  format($$insert into projects.project_members (organization_id, project_id, user_id) values (%L, %L, %L)$$, :'org', :'p1', :'member'),
  '23505', 'duplicate key value violates unique constraint "project_members_organization_id_project_id_user_id_key"',
  'a user joins a project team once');
select throws_ok(
  format($$insert into projects.project_members (organization_id, project_id, user_id, role) values (%L, %L, %L, 'boss')$$, :'org', :'p1', :'viewer'),
  '23514', 'new row for relation "project_members" violates check constraint "project_members_role_check"',
  'team roles are lead, contributor and observer');
select is((select role from projects.project_members where project_id = :'p1' and user_id = :'member'), 'lead', 'setup: member leads Apollo');

-- Leaving the organization: off the team, no longer owner --------------------------------------
delete from base.organization_members where organization_id = :'org' and user_id = :'leaver';
select is((select count(*) from projects.project_members where user_id = :'leaver'), 0::bigint,
          'leaving the organization removes the user from its project teams');
select results_eq(format($$select owner_id, organization_id from projects.projects where id = %L$$, :'p1'),
                  format($$values (null::uuid, %L::uuid)$$, :'org'),
                  'the project loses its owner but keeps its organization');

-- Links never cross organizations ---------------------------------------------------------------
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'acme/core', 'https://github.com/acme/core.git') returning id as r1 \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'acme/docs', 'https://github.com/acme/docs.git') returning id as r2 \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org_b', 'github', 'globex/core', 'https://github.com/globex/core.git') returning id as rb \gset
select id as pb from projects.projects where organization_id = :'org_b' and slug = 'apollo' \gset

select lives_ok(
  format($$insert into projects.project_repositories (organization_id, project_id, repository_id, role) values (%L, %L, %L, 'primary'), (%1$L, %2$L, %4$L, 'docs')$$,
         :'org', :'p1', :'r1', :'r2'),
  'a project links repositories of its own organization');
select throws_ok(
  format($$insert into projects.project_repositories (organization_id, project_id, repository_id) values (%L, %L, %L)$$, :'org', :'p1', :'rb'),
  '23503', 'insert or update on table "project_repositories" violates foreign key constraint "project_repositories_organization_id_repository_id_fkey"',
  'a project cannot link another organization''s repository (even as the owner, past RLS)');
select throws_ok(
  format($$insert into projects.project_repositories (organization_id, project_id, repository_id) values (%L, %L, %L)$$, :'org_b', :'p1', :'rb'),
  '23503', 'insert or update on table "project_repositories" violates foreign key constraint "project_repositories_organization_id_project_id_fkey"',
  'nor by claiming the repository''s organization for the link');
select throws_ok(
  format($$update projects.project_repositories set repository_id = %L where project_id = %L and repository_id = %L$$, :'rb', :'p1', :'r2'),
  '23503', 'insert or update on table "project_repositories" violates foreign key constraint "project_repositories_organization_id_repository_id_fkey"',
  'nor by moving an existing link');
select throws_ok(
  format($$insert into projects.project_repositories (organization_id, project_id, repository_id) values (%L, %L, %L)$$, :'org', :'p1', :'r1'),
  '23505', 'duplicate key value violates unique constraint "project_repositories_project_id_repository_id_key"',
  'a repository is linked to a project once');
update projects.project_repositories set role = 'component' where repository_id = :'r2';
select throws_ok(
  format($$update projects.project_repositories set role = 'primary' where repository_id = %L$$, :'r2'),
  '23505', 'duplicate key value violates unique constraint "project_repositories_organization_id_project_id_primary_key"',
  'a project has at most one primary repository');

-- project_with_repositories: one row per live project, its repositories inline -----------------
select results_eq(
  format($$select name, repository_count, repository_names from projects.project_with_repositories where organization_id = %L order by name$$, :'org'),
  $$values ('Apollo', 2::bigint, array['core', 'docs'])$$,
  'project_with_repositories lists each live project with its repositories, primary first');
select is(
  (select repositories -> 0 ->> 'role' from projects.project_with_repositories where id = :'p1'), 'primary',
  'the repositories array carries each link''s role');
insert into projects.projects (organization_id, name, slug) values (:'org', 'Empty', 'empty') returning id as p_empty \gset
select results_eq(
  format($$select repository_count, repository_names, repositories from projects.project_with_repositories where id = %L$$, :'p_empty'),
  $$values (0::bigint, array[]::text[], '[]'::jsonb)$$,
  'a project without repositories has an empty list, not NULLs');

create function pg_temp.explain_lines(p_sql text) returns setof text language plpgsql as $$
begin
  return query execute 'explain (costs off) ' || p_sql;
end
$$;
-- helpers are created by the owner, whose default privileges keep new functions from PUBLIC
grant execute on all functions in schema pg_temp to public;
set local enable_seqscan = off;
select unalike(
  (select string_agg(l, E'\n') from (select * from pg_temp.explain_lines(format($$select * from projects.project_with_repositories where organization_id = %L$$, :'org'))) as e(l)),
  '%Seq Scan%', 'the query is served by indexes alone (no sequential scan needed)');
select unalike(
  (select string_agg(l, E'\n') from (select * from pg_temp.explain_lines(format($$select * from projects.project_with_repositories where organization_id = %L$$, :'org'))) as e(l)),
  '%SubPlan%', 'and it is one join, not a subquery per row');
reset enable_seqscan;

-- Soft delete --------------------------------------------------------------------------------
update projects.projects set deleted_at = now() where id = :'p_empty';
select is((select count(*) from projects.project_with_repositories where id = :'p_empty'), 0::bigint,
          'a soft-deleted project leaves project_with_repositories');
select lives_ok(
  format($$insert into projects.projects (organization_id, name, slug) values (%L, 'Empty', 'empty')$$, :'org'),
  'a soft-deleted project frees its name and slug');
select throws_ok(
  format($$update projects.projects set deleted_at = null where id = %L$$, :'p_empty'),
  '23505', 'duplicate key value violates unique constraint "projects_organization_id_name_key"',
  'restoring it while its name is taken again is refused');

-- organization_summary -------------------------------------------------------------------------
insert into projects.projects (organization_id, name, slug, start_date, target_date)
values (:'org', 'Late', 'late', current_date - 30, current_date - 1) returning id as p_late \gset
insert into projects.projects (organization_id, name, slug, status, target_date)
values (:'org', 'Soon', 'soon', 'active', current_date + 10);
select results_eq(
  format($$select project_count, planning_count, active_count, overdue_count, next_target_date, repository_count, team_member_count, project_lead_count
             from projects.organization_summary where organization_id = %L$$, :'org'),
  $$values (4::bigint, 3::bigint, 1::bigint, 2::bigint, current_date + 10, 2::bigint, 1::bigint, 1::bigint)$$,
  'organization_summary counts live projects by status, overdue targets, repositories and team members');
select is((projects.transition_project(:'org', :'p_late', 'cancelled')).status, 'cancelled', 'setup: Late is cancelled');
select is((select overdue_count from projects.organization_summary where organization_id = :'org'), 1::bigint,
          'a cancelled project is no longer overdue');

-- Audit -----------------------------------------------------------------------------------------
select is((select count(*) from base.audit_log where table_name = 'projects' and record_id = :'p1' and action = 'INSERT'),
          1::bigint, 'creating a project is audited');
select ok((select changed_columns @> array['deleted_at'] from base.audit_log
            where table_name = 'projects' and record_id = :'p_empty' and action = 'UPDATE' order by occurred_at desc limit 1),
          'a soft delete is audited with the changed column');

-- Hard delete takes the project's links, team and history with it ----------------------------
delete from projects.projects where id = :'p1';
select is((select count(*) from projects.project_repositories where project_id = :'p1'), 0::bigint, 'links go with the project');
select is((select count(*) from projects.project_members where project_id = :'p1'), 0::bigint, 'the team goes with the project');
select is((select count(*) from projects.project_status_history where project_id = :'p1'), 0::bigint, 'the history goes with the project');
select is((select count(*) from projects.repositories where id in (:'r1', :'r2')), 2::bigint, 'the repositories stay');

select * from finish();
rollback;
