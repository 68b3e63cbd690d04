-- projects module, layer 2: the status lifecycle. Every valid transition, every invalid one
-- (55000, the one status-machine message), who may change status, the status history.
begin;
select plan(67);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('proj-life-a') \gset
select organization_id as org_b, admin_id as admin_b from tests.create_tenant('proj-life-b') \gset
select tests.create_user('proj-life-lead@example.test') as lead \gset
select tests.create_user('proj-life-viewer-lead@example.test') as viewer_lead \gset
select tests.add_member(:'org', :'lead', 'member') is not null as added \gset
select tests.add_member(:'org', :'viewer_lead', 'viewer') is not null as added \gset

-- The lifecycle as documented --------------------------------------------------------------------
select results_eq(
  $$select s, coalesce((select array_agg(t.to_status order by t.to_status) from base.status_transitions as t
                         where t.machine = 'projects.projects.status' and t.from_status = s), '{}')
      from unnest(array['planning', 'active', 'on_hold', 'completed', 'archived', 'cancelled']) as s$$,
  $$values ('planning', array['active', 'cancelled']),
           ('active', array['cancelled', 'completed', 'on_hold']),
           ('on_hold', array['active', 'cancelled']),
           ('completed', array['archived']),
           ('archived', array[]::text[]),
           ('cancelled', array[]::text[])$$,
  'base.status_transitions holds exactly the documented lifecycle');

-- Creation ------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
insert into projects.projects (organization_id, name, slug) values (:'org', 'Walk', 'walk')
returning id as p_walk \gset
select is((select status from projects.projects where id = :'p_walk'), 'planning', 'a new project starts in planning by default');
select results_eq(
  format($$select from_status, to_status, changed_by from projects.project_status_history where project_id = %L$$, :'p_walk'),
  format($$values (null::text, 'planning'::text, %L::uuid)$$, :'member'),
  'the creation is recorded in the history, with its author');
select throws_ok(
  format($$insert into projects.projects (organization_id, name, slug, status) values (%L, 'Born done', 'born-done', 'completed')$$, :'org'),
  '55000', 'a new project starts in planning or active, not completed',
  'a project cannot be created completed');
select lives_ok(
  format($$insert into projects.projects (organization_id, name, slug, status) values (%L, 'Born active', 'born-active', 'active')$$, :'org'),
  'a project may be created active');
select tests.clear_authentication();

-- The full happy path through transition_project(), as an admin ---------------------------------
select tests.authenticate_as(:'admin');
select is((projects.transition_project(:'org', :'p_walk', 'active', 'kick-off')).status, 'active', 'planning -> active');
select is((projects.transition_project(:'org', :'p_walk', 'on_hold', 'waiting for budget')).status, 'on_hold', 'active -> on_hold');
select is((projects.transition_project(:'org', :'p_walk', 'active')).status, 'active', 'on_hold -> active');
select is((projects.transition_project(:'org', :'p_walk', 'completed', 'shipped')).status, 'completed', 'active -> completed');
select isnt((select completed_at from projects.projects where id = :'p_walk'), null, 'completing stamps completed_at');
select is((projects.transition_project(:'org', :'p_walk', 'archived')).status, 'archived', 'completed -> archived');
select isnt((select completed_at from projects.projects where id = :'p_walk'), null, 'an archived project keeps its completion time');
select results_eq(
  format($$select from_status, to_status, note, changed_by from projects.project_status_history
            where project_id = %L order by changed_at, id$$, :'p_walk'),
  format($$values (null, 'planning', null, %1$L::uuid), ('planning', 'active', 'kick-off', %2$L::uuid),
                  ('active', 'on_hold', 'waiting for budget', %2$L::uuid), ('on_hold', 'active', null, %2$L::uuid),
                  ('active', 'completed', 'shipped', %2$L::uuid), ('completed', 'archived', null, %2$L::uuid)$$,
         :'member', :'admin'),
  'every change is in the history, in order, with its note and author');
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active')$$, :'org', :'p_walk'),
  '55000', 'invalid status transition for projects.projects.status: "archived" -> "active"',
  'archived is final');

-- Cancel from each state that allows it --------------------------------------------------------
insert into projects.projects (organization_id, name, slug) values (:'org', 'Cancel A', 'cancel-a') returning id as c1 \gset
insert into projects.projects (organization_id, name, slug, status) values (:'org', 'Cancel B', 'cancel-b', 'active') returning id as c2 \gset
insert into projects.projects (organization_id, name, slug, status) values (:'org', 'Cancel C', 'cancel-c', 'active') returning id as c3 \gset
select is((projects.transition_project(:'org', :'c3', 'on_hold')).status, 'on_hold', 'setup: Cancel C is on hold');
select is((projects.transition_project(:'org', :'c1', 'cancelled')).status, 'cancelled', 'planning -> cancelled');
select is((projects.transition_project(:'org', :'c2', 'cancelled')).status, 'cancelled', 'active -> cancelled');
select is((projects.transition_project(:'org', :'c3', 'cancelled', 'descoped')).status, 'cancelled', 'on_hold -> cancelled');
select is((select completed_at from projects.projects where id = :'c2'), null, 'a cancelled project has no completion time');
select tests.clear_authentication();

-- Every invalid transition is refused with 55000 and the allowed next states ------------------
-- One project in each state (built as the deploying owner: no user, no RLS).
create temporary table states (status text primary key, id uuid not null);
insert into projects.projects (organization_id, name, slug)
select :'org', 'State ' || s, 'state-' || replace(s, '_', '-')
  from unnest(array['planning', 'active', 'on_hold', 'completed', 'archived', 'cancelled']) as s;
insert into states select replace(slug, 'state-', ''), id from projects.projects where slug like 'state-%';
update states set status = 'on_hold' where status = 'on-hold';
select projects.transition_project(:'org', id, 'active') from states where status in ('active', 'on_hold', 'completed', 'archived');
select projects.transition_project(:'org', id, 'on_hold') from states where status = 'on_hold';
select projects.transition_project(:'org', id, 'completed') from states where status in ('completed', 'archived');
select projects.transition_project(:'org', id, 'archived') from states where status = 'archived';
select projects.transition_project(:'org', id, 'cancelled') from states where status = 'cancelled';
select is((select count(*) from states as s join projects.projects as p on p.id = s.id and p.status = s.status),
          6::bigint, 'setup: one project in each of the six states');

select throws_ok(
         format('update projects.projects set status = %L where id = %L', t.to_status, s.id),
         '55000',
         format('invalid status transition for projects.projects.status: "%s" -> "%s"', s.status, t.to_status),
         format('%s -> %s is refused (55000, names the allowed next states)', s.status, t.to_status))
  from states as s
  join (values ('planning', 'active, cancelled'), ('active', 'on_hold, completed, cancelled'),
               ('on_hold', 'active, cancelled'), ('completed', 'archived'),
               ('archived', 'none (archived is final)'), ('cancelled', 'none (cancelled is final)'))
       as a(status, allowed) on a.status = s.status
 cross join (values ('planning'), ('active'), ('on_hold'), ('completed'), ('archived'), ('cancelled')) as t(to_status)
 where t.to_status <> s.status
   and (s.status, t.to_status) not in (('planning', 'active'), ('planning', 'cancelled'), ('active', 'on_hold'),
                                        ('active', 'completed'), ('active', 'cancelled'), ('on_hold', 'active'),
                                        ('on_hold', 'cancelled'), ('completed', 'archived'))
 order by s.status, t.to_status;

select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active')$$, :'org', (select id from states where status = 'active')),
  '55000',
  'invalid status transition for projects.projects.status: "active" -> "active"',
  'asking for the current status is refused and names the allowed next states');
select lives_ok(
  format($$update projects.projects set status = 'active', description = 'same status' where id = %L$$, (select id from states where status = 'active')),
  'an UPDATE that keeps the status is not a transition');
select is((select count(*) from projects.project_status_history where project_id = (select id from states where status = 'active')),
          2::bigint, 'an UPDATE that keeps the status writes no history');
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'bogus')$$, :'org', :'c1'),
  '22023', 'unknown project status ''bogus''', 'an unknown status is refused with 22023');
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active', repeat('x', 2001))$$, :'org', :'p_walk'),
  '22023', 'a status note is limited to 2000 characters (got 2001)', 'an over-long note is refused with 22023');
select throws_ok(
  format($$select projects.transition_project(%L, '00000000-0000-7000-8000-000000000000', 'active')$$, :'org'),
  'P0002', format('project 00000000-0000-7000-8000-000000000000 not found in organization %s', :'org'),
  'an unknown project is reported with P0002');
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active')$$, :'org_b', :'c1'),
  'P0002', format('project %s not found in organization %s', :'c1', :'org_b'),
  'a project is looked up within the given organization only');

-- Who may change status --------------------------------------------------------------------------
insert into projects.projects (organization_id, name, slug) values (:'org', 'Authority', 'authority') returning id as p_auth \gset
insert into projects.project_members (organization_id, project_id, user_id, role)
values (:'org', :'p_auth', :'lead', 'lead'), (:'org', :'p_auth', :'member', 'contributor'),
       (:'org', :'p_auth', :'viewer_lead', 'lead');

select tests.authenticate_as(:'member');
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active')$$, :'org', :'p_auth'),
  '42501', format('only a lead of project %s or an admin of its organization may change its status', :'p_auth'),
  'a contributor (organization member) cannot change the status');
select throws_ok(
  format($$update projects.projects set status = 'active' where id = %L$$, :'p_auth'),
  '42501', format('only a lead of project %s or an admin of its organization may change its status', :'p_auth'),
  'nor through a direct UPDATE: the trigger guards every path');
select lives_ok(
  format($$update projects.projects set description = 'members still edit the rest' where id = %L$$, :'p_auth'),
  'a member still edits the other columns');
select tests.authenticate_as(:'viewer');
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active')$$, :'org', :'p_auth'),
  '42501', format('only a lead of project %s or an admin of its organization may change its status', :'p_auth'),
  'a viewer cannot change the status');
select tests.authenticate_as(:'viewer_lead');
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active')$$, :'org', :'p_auth'),
  '42501', format('only a lead of project %s or an admin of its organization may change its status', :'p_auth'),
  'a lead who is only a viewer of the organization is read-only');
select tests.authenticate_as(:'admin_b');
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active')$$, :'org', :'p_auth'),
  '42501', format('only a lead of project %s or an admin of its organization may change its status', :'p_auth'),
  'an admin of another organization cannot change the status');
select tests.authenticate_as_anon();
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'active')$$, :'org', :'p_auth'),
  '42501', 'permission denied for schema projects', 'anon cannot even reach the projects schema');
select tests.authenticate_as(:'lead');
select is((projects.transition_project(:'org', :'p_auth', 'active', 'lead starts it')).status, 'active',
          'the project lead changes the status');
select tests.authenticate_as(:'owner');
select is((projects.transition_project(:'org', :'p_auth', 'on_hold')).status, 'on_hold', 'an owner changes the status');
select tests.authenticate_as_service_role();
select is((projects.transition_project(:'org', :'p_auth', 'active', 'resumed by automation')).status, 'active',
          'a trusted service changes the status');
select tests.clear_authentication();
select results_eq(
  format($$select to_status, changed_by, note from projects.project_status_history where project_id = %L and from_status is not null order by changed_at, id$$, :'p_auth'),
  format($$values ('active', %L::uuid, 'lead starts it'), ('on_hold', %L::uuid, null), ('active', null::uuid, 'resumed by automation')$$,
         :'lead', :'owner'),
  'the history records the lead, the owner, and NULL for the service');

-- The note does not leak into a later change of the same transaction --------------------------
select tests.authenticate_as(:'admin');
select is((projects.transition_project(:'org', :'p_auth', 'on_hold', 'pause')).status, 'on_hold', 'setup: paused with a note');
update projects.projects set status = 'active' where id = :'p_auth';
select is((select note from projects.project_status_history where project_id = :'p_auth' order by changed_at desc, id desc limit 1),
          null, 'a later direct UPDATE does not reuse the previous note');

-- The history is read-only for users -------------------------------------------------------------
select throws_ok(
  format($$insert into projects.project_status_history (organization_id, project_id, to_status) values (%L, %L, 'completed')$$, :'org', :'p_auth'),
  '42501', 'permission denied for table project_status_history', 'users cannot forge history');
select throws_ok(
  format($$delete from projects.project_status_history where project_id = %L$$, :'p_auth'),
  '42501', 'permission denied for table project_status_history', 'users cannot erase history');

-- A soft-deleted project keeps its status ------------------------------------------------------
update projects.projects set deleted_at = now() where id = :'p_auth';
select throws_ok(
  format($$select projects.transition_project(%L, %L, 'on_hold')$$, :'org', :'p_auth'),
  '55000', format('project %s is deleted: its status cannot change', :'p_auth'),
  'a deleted project cannot change status');
update projects.projects set deleted_at = null where id = :'p_auth';
select is((projects.transition_project(:'org', :'p_auth', 'on_hold')).status, 'on_hold', 'once restored, it moves again');

-- status_changed_at follows the status -----------------------------------------------------------
select ok((select status_changed_at = now() from projects.projects where id = :'p_auth'),
          'status_changed_at is stamped by the lifecycle trigger');
select tests.clear_authentication();

select * from finish();
rollback;
