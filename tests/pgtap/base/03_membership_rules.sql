-- Membership rules, from the point of view of each organization role:
-- only admins and owners manage members, only owners touch owners, nobody raises their own role,
-- and an organization always keeps an owner.
begin;
select plan(27);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('acme') \gset
select organization_id as other_org, owner_id as other_owner from tests.create_tenant('globex') \gset
select tests.create_user('newcomer@example.test') as newcomer \gset
select tests.create_user('another@example.test') as another \gset

-- Adding members ----------------------------------------------------------------------------
-- Nobody adds a user directly: members join by accepting an invitation (08_invitations.sql). The
-- refusal is the same whether or not the user id exists, so it reveals nothing about it.
select tests.authenticate_as(:'viewer');
select throws_ok(format($$insert into base.organization_members (organization_id, user_id, role) values (%L, %L, 'member')$$, :'org', :'newcomer'),
  '42501', 'permission denied for table organization_members',
  'a viewer cannot add members');
select tests.authenticate_as(:'admin');
select throws_ok(format($$insert into base.organization_members (organization_id, user_id, role) values (%L, %L, 'member')$$, :'org', :'newcomer'),
  '42501', 'permission denied for table organization_members',
  'an admin cannot add an existing user directly');
select throws_ok(format($$insert into base.organization_members (organization_id, user_id, role) values (%L, %L, 'member')$$, :'org', '01936f6e-dead-7000-8000-00000000dead'),
  '42501', 'permission denied for table organization_members',
  'an admin adding a user id that does not exist gets the very same answer');
select throws_ok(format($$insert into base.organization_members (organization_id, user_id, role) values (%L, %L, 'member')$$, :'other_org', :'another'),
  '42501', 'permission denied for table organization_members',
  'an admin of one organization cannot add members to another');
select tests.authenticate_as(:'owner');
select throws_ok(format($$insert into base.organization_members (organization_id, user_id, role) values (%L, %L, 'owner')$$, :'org', :'another'),
  '42501', 'permission denied for table organization_members',
  'not even an owner adds a member without their consent');
select tests.clear_authentication();
select is((select count(*)::int from base.organization_members where user_id in (:'newcomer', :'another')), 0,
  'none of these attempts created a membership');
-- The rest of this file needs them in: trusted code adds them (as accept_invitation would).
select tests.add_member(:'org', :'newcomer', 'member');
select tests.add_member(:'org', :'another', 'owner');

-- Changing roles ----------------------------------------------------------------------------
select tests.authenticate_as(:'admin');
select throws_ok(format($$update base.organization_members set role = 'owner' where organization_id = %L and user_id = %L$$, :'org', :'admin'),
  '42501', 'nobody may raise their own role (from admin to owner)',
  'an admin cannot raise their own role');
select throws_ok(format($$update base.organization_members set role = 'member' where organization_id = %L and user_id = %L$$, :'org', :'owner'),
  '42501', format('only owners of organization %s may grant or change the owner role', :'org'),
  'an admin cannot demote an owner');
select lives_ok(format($$update base.organization_members set role = 'viewer' where organization_id = %L and user_id = %L$$, :'org', :'newcomer'),
  'an admin demotes a member');
select throws_ok(format($$update base.organization_members set organization_id = %L where organization_id = %L and user_id = %L$$, :'other_org', :'org', :'newcomer'),
  '42501', 'permission denied for table organization_members',
  'a membership cannot be moved to another organization by a client');

select tests.authenticate_as(:'member');
update base.organization_members set role = 'admin' where organization_id = :'org' and user_id = :'member';
select tests.clear_authentication();
select is((select role::text from base.organization_members where organization_id = :'org' and user_id = :'member'),
  'member', 'a member''s attempt to promote themselves changes nothing (RLS hides the row from updates)');

select tests.authenticate_as(:'owner');
select lives_ok(format($$update base.organization_members set role = 'admin' where organization_id = %L and user_id = %L$$, :'org', :'another'),
  'an owner demotes another owner while one owner remains');
select throws_ok(format($$update base.organization_members set role = 'admin' where organization_id = %L and user_id = %L$$, :'org', :'owner'),
  '55000', format('organization %s must keep at least one owner', :'org'),
  'the last owner cannot step down');
select throws_ok(format($$delete from base.organization_members where organization_id = %L and user_id = %L$$, :'org', :'owner'),
  '55000', format('organization %s must keep at least one owner', :'org'),
  'the last owner cannot leave');

-- Removing members --------------------------------------------------------------------------
select tests.authenticate_as(:'viewer');
delete from base.organization_members where organization_id = :'org' and user_id = :'newcomer';
select tests.clear_authentication();
select is((select count(*)::int from base.organization_members where organization_id = :'org' and user_id = :'newcomer'),
  1, 'a viewer cannot remove someone else (the row is not theirs to delete)');

select tests.authenticate_as(:'admin');
select throws_ok(format($$delete from base.organization_members where organization_id = %L and user_id = %L$$, :'org', :'owner'),
  '42501', format('only owners of organization %s may remove an owner', :'org'),
  'an admin cannot remove an owner');
select lives_ok(format($$delete from base.organization_members where organization_id = %L and user_id = %L$$, :'org', :'newcomer'),
  'an admin removes a member');
select tests.authenticate_as(:'viewer');
select lives_ok(format($$delete from base.organization_members where organization_id = %L and user_id = %L$$, :'org', :'viewer'),
  'anyone may leave an organization');
select tests.clear_authentication();
select is((select count(*)::int from base.organization_members where organization_id = :'org' and user_id in (:'newcomer', :'viewer')),
  0, 'removed and departed members are gone');

-- Visibility --------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
select is((select count(*)::int from base.organization_members where organization_id = :'org'), 4,
  'members see everyone in their organization');
select is((select count(*)::int from base.organization_members where organization_id = :'other_org'), 0,
  'members see nobody of another organization');
select tests.authenticate_as(:'other_owner');
select is((select count(*)::int from base.organization_members where organization_id = :'org'), 0,
  'the owner of another organization sees none of these memberships');

-- Trusted paths -----------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select lives_ok(format($$update base.organization_members set role = 'owner' where organization_id = %L and user_id = %L$$, :'org', :'admin'),
  'service_role manages roles without a user (workers, admin jobs)');
select throws_ok(format($$update base.organization_members set organization_id = %L where organization_id = %L and user_id = %L$$, :'other_org', :'org', :'admin'),
  '22023', 'a membership cannot move to another organization or user',
  'not even service_role moves a membership');
select tests.clear_authentication();

select throws_ok(format($$delete from base.users where id = %L$$, :'other_owner'),
  '55000', format('organization %s must keep at least one owner', :'other_org'),
  'deleting the sole owner''s account is refused until ownership moves');
select lives_ok(format($$delete from base.organizations where id = %L$$, :'other_org'),
  'deleting an organization removes its members, owners included');
select is((select count(*)::int from base.organization_members where organization_id = :'other_org'), 0,
  'no membership outlives its organization');

select * from finish();
rollback;
