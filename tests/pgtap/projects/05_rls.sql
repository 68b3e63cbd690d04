-- projects module, layer 3: row-level security seen from every role. Viewers read; members
-- create and edit projects and repositories; leads and admins manage teams; only admins
-- soft-delete, see deleted projects and delete; nobody sees another organization; anon sees nothing.
begin;
select plan(60);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('proj-rls-a') \gset
select organization_id as org_b, member_id as outsider from tests.create_tenant('proj-rls-b') \gset
select tests.create_user('proj-rls-lead@example.test') as lead \gset
select tests.create_user('proj-rls-extra@example.test') as extra \gset
select tests.add_member(:'org', :'lead', 'member') is not null as added \gset
select tests.add_member(:'org', :'extra', 'member') is not null as added \gset

-- Fixtures, as the deploying owner (no RLS) ---------------------------------------------------
insert into projects.projects (organization_id, name, slug) values (:'org', 'Live', 'live') returning id as pa \gset
insert into projects.projects (organization_id, name, slug, deleted_at) values (:'org', 'Gone', 'gone', now()) returning id as pa_gone \gset
insert into projects.projects (organization_id, name, slug) values (:'org_b', 'Other', 'other') returning id as pb \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'a/app', 'https://github.com/a/app.git') returning id as ra \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org_b', 'github', 'b/app', 'https://github.com/b/app.git') returning id as rb \gset
insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default)
values (:'org', :'ra', 'main', repeat('a', 40), true), (:'org_b', :'rb', 'main', repeat('b', 40), true);
insert into projects.project_repositories (organization_id, project_id, repository_id, role)
values (:'org', :'pa', :'ra', 'primary'), (:'org_b', :'pb', :'rb', 'primary');
insert into projects.project_members (organization_id, project_id, user_id, role)
values (:'org', :'pa', :'lead', 'lead'), (:'org', :'pa', :'member', 'contributor');

-- What each role sees --------------------------------------------------------------------------
create function pg_temp.visible() returns text language sql as $$
  select format('projects=%s repositories=%s branches=%s links=%s team=%s history=%s overview=%s summary=%s',
    (select string_agg(name, ',' order by name) from projects.projects),
    (select string_agg(full_name, ',' order by full_name) from projects.repositories),
    (select count(*) from projects.repository_branches),
    (select count(*) from projects.project_repositories),
    (select count(*) from projects.project_members),
    (select count(*) from projects.project_status_history),
    (select string_agg(name, ',' order by name) from projects.project_with_repositories),
    (select count(*) from projects.organization_summary))
$$;
-- helpers are created by the owner, whose default privileges keep new functions from PUBLIC
grant execute on all functions in schema pg_temp to public;
grant execute on function pg_temp.visible() to authenticated, service_role;

select tests.authenticate_as(:'viewer');
select is(pg_temp.visible(), 'projects=Live repositories=a/app branches=1 links=1 team=2 history=2 overview=Live summary=1',
          'a viewer reads their organization''s live rows only');
select tests.authenticate_as(:'member');
select is(pg_temp.visible(), 'projects=Live repositories=a/app branches=1 links=1 team=2 history=2 overview=Live summary=1',
          'a member reads the same rows as a viewer (no deleted projects)');
select tests.authenticate_as(:'admin');
select is(pg_temp.visible(), 'projects=Gone,Live repositories=a/app branches=1 links=1 team=2 history=2 overview=Live summary=1',
          'an admin also sees the soft-deleted project (but the overview lists live projects only)');
select tests.authenticate_as(:'owner');
select is(pg_temp.visible(), 'projects=Gone,Live repositories=a/app branches=1 links=1 team=2 history=2 overview=Live summary=1',
          'an owner sees what an admin sees');
select tests.authenticate_as(:'outsider');
select is(pg_temp.visible(), 'projects=Other repositories=b/app branches=1 links=1 team=0 history=1 overview=Other summary=1',
          'a member of another organization sees only their own organization');
select tests.authenticate_as_service_role();
select ok(pg_temp.visible() like 'projects=Gone,Live,Other% repositories=a/app,%b/app%', 'service_role sees every organization');
select tests.authenticate_as_anon();
select throws_ok('select count(*) from projects.projects', '42501', 'permission denied for schema projects',
                 'anon cannot reach the projects schema at all');
select tests.authenticate_as(:'viewer');
select is((select count(*) from projects.projects where id = :'pa_gone'), 0::bigint, 'a viewer cannot fetch a soft-deleted project by id');

-- Viewers write nothing -------------------------------------------------------------------------
select throws_ok(
  format($$insert into projects.projects (organization_id, name, slug) values (%L, 'V', 'v')$$, :'org'),
  '42501', 'new row violates row-level security policy for table "projects"', 'a viewer cannot create a project');
with u as (update projects.projects set description = 'viewer was here' where id = :'pa' returning 1)
select is(count(*), 0::bigint, 'a viewer''s UPDATE of a project touches no row') from u;
select throws_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'github', 'a/v', 'https://github.com/a/v.git')$$, :'org'),
  '42501', 'new row violates row-level security policy for table "repositories"', 'a viewer cannot add a repository');
select throws_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha) values (%L, %L, 'v', %L)$$, :'org', :'ra', repeat('c', 40)),
  '42501', 'new row violates row-level security policy for table "repository_branches"', 'a viewer cannot record a branch');
select throws_ok(
  format($$insert into projects.project_repositories (organization_id, project_id, repository_id) values (%L, %L, %L)$$, :'org', :'pa_gone', :'ra'),
  '42501', 'new row violates row-level security policy for table "project_repositories"', 'a viewer cannot link repositories');
with d as (delete from projects.repository_branches where repository_id = :'ra' returning 1)
select is(count(*), 0::bigint, 'a viewer cannot delete a branch') from d;
with d as (delete from projects.project_members where project_id = :'pa' and user_id = :'member' returning 1)
select is(count(*), 0::bigint, 'a viewer cannot remove someone else from a team') from d;

-- Members create and edit, but neither soft-delete nor delete -----------------------------------
select tests.authenticate_as(:'member');
select lives_ok(
  format($$insert into projects.projects (organization_id, name, slug, owner_id) values (%L, 'Member made', 'member-made', %L)$$, :'org', :'member'),
  'a member creates a project');
select throws_ok(
  format($$insert into projects.projects (organization_id, name, slug) values (%L, 'Intruder', 'intruder')$$, :'org_b'),
  '42501', 'new row violates row-level security policy for table "projects"', 'a member cannot create a project in another organization');
select throws_ok(
  format($$insert into projects.projects (organization_id, name, slug, deleted_at) values (%L, 'Born deleted', 'born-deleted', now())$$, :'org'),
  '42501', 'permission denied for table projects', 'nobody creates an already-deleted project (deleted_at is not insertable)');
with u as (update projects.projects set description = 'edited by a member' where id = :'pa' returning 1)
select is(count(*), 1::bigint, 'a member edits a project') from u;
select throws_ok(
  format($$update projects.projects set deleted_at = now() where id = %L$$, :'pa'),
  '42501', 'new row violates row-level security policy for table "projects"', 'a member cannot soft-delete a project');
with d as (delete from projects.projects where id = :'pa' returning 1)
select is(count(*), 0::bigint, 'a member cannot delete a project') from d;
with u as (update projects.projects set description = 'x' where id = :'pb' returning 1)
select is(count(*), 0::bigint, 'a member cannot edit another organization''s project') from u;
select lives_ok(
  format($$insert into projects.repositories (organization_id, provider, full_name, clone_url) values (%L, 'github', 'a/member', 'https://github.com/a/member.git')$$, :'org'),
  'a member adds a repository');
with u as (update projects.repositories set analysis_config = '{"tools": ["eslint"]}' where id = :'ra' returning 1)
select is(count(*), 1::bigint, 'a member edits a repository''s analysis configuration') from u;
with d as (delete from projects.repositories where id = :'ra' returning 1)
select is(count(*), 0::bigint, 'a member cannot delete a repository') from d;
select lives_ok(
  format($$insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha) values (%L, %L, 'topic', %L)$$, :'org', :'ra', repeat('d', 40)),
  'a member records a branch');
with d as (delete from projects.repository_branches where repository_id = :'ra' and name = 'topic' returning 1)
select is(count(*), 1::bigint, 'a member removes a branch that is gone at the provider') from d;
select id as p_member from projects.projects where slug = 'member-made' \gset
select lives_ok(
  format($$insert into projects.project_repositories (organization_id, project_id, repository_id) values (%L, %L, %L)$$, :'org', :'p_member', :'ra'),
  'a member links a repository to a project');
with d as (delete from projects.project_repositories where project_id = :'p_member' returning 1)
select is(count(*), 1::bigint, 'a member unlinks it again') from d;
select throws_ok(
  format($$insert into projects.project_repositories (organization_id, project_id, repository_id) values (%L, %L, %L)$$, :'org_b', :'pb', :'rb'),
  '42501', 'new row violates row-level security policy for table "project_repositories"', 'a member cannot link in another organization');

-- Teams: leads and admins manage them; anyone may leave ---------------------------------------
select throws_ok(
  format($$insert into projects.project_members (organization_id, project_id, user_id) values (%L, %L, %L)$$, :'org', :'pa', :'extra'),
  '42501', 'new row violates row-level security policy for table "project_members"', 'a contributor cannot add people to the team');
with u as (update projects.project_members set role = 'lead' where project_id = :'pa' and user_id = :'member' returning 1)
select is(count(*), 0::bigint, 'a contributor cannot promote themselves to lead') from u;
with d as (delete from projects.project_members where project_id = :'pa' and user_id = :'lead' returning 1)
select is(count(*), 0::bigint, 'a contributor cannot remove the lead') from d;

select tests.authenticate_as(:'lead');
select lives_ok(
  format($$insert into projects.project_members (organization_id, project_id, user_id, role) values (%L, %L, %L, 'observer')$$, :'org', :'pa', :'extra'),
  'the project lead adds a team member');
with u as (update projects.project_members set role = 'contributor' where project_id = :'pa' and user_id = :'extra' returning 1)
select is(count(*), 1::bigint, 'the project lead changes a team role') from u;
select throws_ok(
  format($$insert into projects.project_members (organization_id, project_id, user_id) values (%L, %L, %L)$$, :'org', :'p_member', :'extra'),
  '42501', 'new row violates row-level security policy for table "project_members"', 'a lead manages only the projects they lead');
select throws_ok(
  format($$update projects.project_members set user_id = %L where project_id = %L and user_id = %L$$, :'viewer', :'pa', :'extra'),
  '42501', 'permission denied for table project_members', 'a team membership never moves to another user');

select tests.authenticate_as(:'member');
with d as (delete from projects.project_members where project_id = :'pa' and user_id = :'member' returning 1)
select is(count(*), 1::bigint, 'anyone may leave a project team') from d;

select tests.authenticate_as(:'admin');
select lives_ok(
  format($$insert into projects.project_members (organization_id, project_id, user_id, role) values (%L, %L, %L, 'lead')$$, :'org', :'p_member', :'viewer'),
  'an admin staffs any project of the organization');
with d as (delete from projects.project_members where project_id = :'pa' and user_id = :'extra' returning 1)
select is(count(*), 1::bigint, 'an admin removes a team member') from d;
select throws_ok(
  format($$insert into projects.project_members (organization_id, project_id, user_id) values (%L, %L, %L)$$, :'org_b', :'pb', :'outsider'),
  '42501', 'new row violates row-level security policy for table "project_members"', 'an admin cannot staff another organization''s project');

-- Admins soft-delete, see, restore and delete ---------------------------------------------------
with u as (update projects.projects set deleted_at = now() where id = :'p_member' returning 1)
select is(count(*), 1::bigint, 'an admin soft-deletes a project') from u;
select is((select count(*) from projects.projects where id = :'p_member'), 1::bigint, 'the admin still sees it');
select tests.authenticate_as(:'member');
select is((select count(*) from projects.projects where id = :'p_member'), 0::bigint, 'a member no longer sees it');
with u as (update projects.projects set deleted_at = null where id = :'p_member' returning 1)
select is(count(*), 0::bigint, 'a member cannot restore it') from u;
select tests.authenticate_as(:'admin');
with u as (update projects.projects set deleted_at = null where id = :'p_member' returning 1)
select is(count(*), 1::bigint, 'an admin restores it') from u;
with d as (delete from projects.projects where id = :'p_member' returning 1)
select is(count(*), 1::bigint, 'an admin deletes a project for good') from d;
with d as (delete from projects.repositories where full_name = 'a/member' returning 1)
select is(count(*), 1::bigint, 'an admin deletes a repository') from d;
with d as (delete from projects.projects where id = :'pb' returning 1)
select is(count(*), 0::bigint, 'an admin cannot delete another organization''s project') from d;
with d as (delete from projects.repositories where id = :'rb' returning 1)
select is(count(*), 0::bigint, 'an admin cannot delete another organization''s repository') from d;

-- The history is written by the trigger, whoever changes the status -----------------------------
select tests.authenticate_as(:'lead');
select is((projects.transition_project(:'org', :'pa', 'active')).status, 'active', 'the lead moves the project on');
select is((select changed_by from projects.project_status_history where project_id = :'pa' and to_status = 'active'),
          :'lead'::uuid, 'the history names the lead, though the lead cannot write the history table');

-- The outsider's view of organization A -----------------------------------------------------
select tests.authenticate_as(:'outsider');
with u as (update projects.projects set name = 'Hijacked' where id = :'pa' returning 1)
select is(count(*), 0::bigint, 'an outsider cannot edit the project') from u;
with u as (update projects.repositories set clone_url = 'https://evil.example/x.git' where id = :'ra' returning 1)
select is(count(*), 0::bigint, 'an outsider cannot edit the repository') from u;
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'on_hold')$$, :'org', :'pa'),
  '42501', format('only a lead of project %s or an admin of its organization may change its status', :'pa'),
  'an outsider cannot change the status');
select throws_ok(
  format($$select projects.set_default_branch(%L, %L, 'main')$$, :'org', :'ra'),
  '42501', format('only members of organization %s may change a default branch', :'org'),
  'an outsider cannot change the default branch');
select is((select count(*) from projects.project_with_repositories where organization_id = :'org'), 0::bigint,
          'an outsider sees nothing of organization A through project_with_repositories');
select is((select count(*) from projects.organization_summary where organization_id = :'org'), 0::bigint,
          'nor through organization_summary');

-- service_role works past membership ---------------------------------------------------------
select tests.authenticate_as_service_role();
with u as (update projects.repositories set last_analyzed_at = now() where id = :'ra' returning 1)
select is(count(*), 1::bigint, 'service_role maintains last_analyzed_at') from u;
select is((select count(*) from projects.organization_summary where organization_id in (:'org', :'org_b')), 2::bigint,
          'service_role reads every organization''s summary');
select tests.clear_authentication();

select * from finish();
rollback;
