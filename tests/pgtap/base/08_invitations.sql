-- Invitations: the only way a user joins an existing organization is to accept, as themselves
-- (their JWT's e-mail claim), an invitation an admin or owner sent to their address.
-- Every call runs as a real API role with real JWT claims (tests.authenticate_as puts the user's
-- address in the "email" claim, as Supabase does).
begin;
select plan(47);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('acme') \gset
select organization_id as other_org, owner_id as other_owner, admin_id as other_admin from tests.create_tenant('globex') \gset
select tests.create_user('invitee@example.test') as invitee \gset
select tests.create_user('second@example.test') as second \gset
select tests.create_user('late@example.test') as late \gset
select tests.create_user('stranger@example.test') as stranger \gset

-- Inviting ------------------------------------------------------------------------------------
select tests.authenticate_as(:'admin');
select base.invite_member(:'org', 'Invitee@Example.test') as inv \gset
select isnt(:'inv'::uuid, null, 'an admin invites an address and gets the invitation id');
select throws_ok(format($$select base.invite_member(%L, 'second@example.test', 'owner')$$, :'org'),
  '42501', format('only owners of organization %s may invite an owner', :'org'),
  'an admin cannot offer the owner role');
select throws_ok(format($$select base.invite_member(%L, 'INVITEE@example.test')$$, :'org'),
  '23505', format('a pending invitation of INVITEE@example.test to organization %s exists already', :'org'),
  'one pending invitation per address, whatever its case');
select throws_ok(format($$select base.invite_member(%L, %L)$$, :'org', 'acme-member@example.test'),
  '23505', format('acme-member@example.test is already a member of organization %s', :'org'),
  'a member is not invited again');
select throws_ok(format($$select base.invite_member(%L, 'not an address')$$, :'org'),
  '22023', 'invite_member: email must be an e-mail address (local@domain) of at most 320 characters',
  'the address is validated');
select throws_ok(format($$select base.invite_member(%L, 'x@example.test', expires_in => interval '31 days')$$, :'org'),
  '22023', 'invite_member: expires_in must be more than 0 and at most 30 days',
  'an invitation lasts at most 30 days');
select throws_ok(format($$select base.invite_member(%L, 'x@example.test', expires_in => interval '-1 hour')$$, :'org'),
  '22023', 'invite_member: expires_in must be more than 0 and at most 30 days',
  'an invitation cannot be born expired');
select lives_ok(format($$select base.invite_member(%L, 'nobody-signed-up@example.test', 'viewer')$$, :'org'),
  'an address without an account is invited the same way: the answer tells nothing about who has signed up');

select tests.authenticate_as(:'member');
select throws_ok(format($$select base.invite_member(%L, 'second@example.test')$$, :'org'),
  '42501', format('only admins and owners of organization %s may invite members', :'org'),
  'a member cannot invite');
select tests.authenticate_as(:'other_admin');
select throws_ok(format($$select base.invite_member(%L, 'second@example.test')$$, :'org'),
  '42501', format('only admins and owners of organization %s may invite members', :'org'),
  'the admin of another organization cannot invite into this one');
select throws_ok($$select base.invite_member('01936f6e-dead-7000-8000-00000000beef', 'second@example.test')$$,
  '42501', 'only admins and owners of organization 01936f6e-dead-7000-8000-00000000beef may invite members',
  'an organization that does not exist gets the same answer');

select tests.authenticate_as(:'owner');
select base.invite_member(:'org', 'second@example.test', 'owner', interval '1 day') as owner_inv \gset
select isnt(:'owner_inv'::uuid, null, 'an owner offers the owner role');

-- Who sees invitations ------------------------------------------------------------------------
select tests.authenticate_as(:'admin');
select is((select count(*)::int from base.organization_invitations where organization_id = :'org'), 3,
  'admins see their organization''s invitations');
select tests.authenticate_as(:'member');
select is((select count(*)::int from base.organization_invitations), 0, 'members do not see invitations');
select tests.authenticate_as(:'other_owner');
select is((select count(*)::int from base.organization_invitations where organization_id = :'org'), 0,
  'another organization sees none of them');
select tests.authenticate_as(:'invitee');
select results_eq($$select id, role::text from base.organization_invitations$$,
  format($$values (%L::uuid, 'member')$$, :'inv'),
  'the addressee sees the invitation sent to their address, and only that one');
select tests.authenticate_as_anon();
select throws_ok('select count(*) from base.organization_invitations', '42501',
  'permission denied for table organization_invitations', 'anon reads no invitation');

-- The admin learns nothing about people who have not joined ----------------------------------
select tests.authenticate_as(:'admin');
select is((select count(*)::int from base.users where id = :'invitee'), 0,
  'an admin cannot read the profile (e-mail, preferences) of someone they invited');

-- Accepting -----------------------------------------------------------------------------------
select tests.authenticate_as(:'stranger');
select throws_ok(format('select base.accept_invitation(%L)', :'inv'), 'P0002',
  format('no invitation %s addressed to stranger@example.test', :'inv'),
  'someone else cannot accept the invitation');
select throws_ok($$select base.accept_invitation('01936f6e-dead-7000-8000-00000000beef')$$, 'P0002',
  'no invitation 01936f6e-dead-7000-8000-00000000beef addressed to stranger@example.test',
  'an id that does not exist gets the same answer');
select tests.authenticate_as(:'other_owner');
select throws_ok(format('select base.accept_invitation(%L)', :'inv'), 'P0002',
  format('no invitation %s addressed to globex-owner@example.test', :'inv'),
  'the owner of another organization cannot tell the invitation exists');
select tests.authenticate_as(:'admin');
select throws_ok(format('select base.accept_invitation(%L)', :'inv'), '42501',
  format('invitation %s is addressed to another e-mail address than yours', :'inv'),
  'an admin who sees the invitation still cannot accept it for someone else');
select tests.set_identity('authenticated', jsonb_build_object('sub', :'invitee', 'role', 'authenticated'));
select throws_ok(format('select base.accept_invitation(%L)', :'inv'), '42501',
  'accepting an invitation needs the "email" claim of the identity provider in the request JWT',
  'without an e-mail claim nobody accepts');
select tests.set_identity('authenticated',
  jsonb_build_object('sub', '01936f6e-cafe-7000-8000-00000000cafe', 'email', 'invitee@example.test', 'role', 'authenticated'));
select throws_ok(format('select base.accept_invitation(%L)', :'inv'), '55000',
  'user 01936f6e-cafe-7000-8000-00000000cafe has no active profile in base.users',
  'the addressee signs up before joining');
select tests.authenticate_as_service_role();
select throws_ok(format('select base.accept_invitation(%L)', :'inv'), '42501',
  'permission denied for function accept_invitation', 'a service cannot accept in someone''s name');

select tests.authenticate_as(:'invitee');
select results_eq(format($$select organization_id, user_id, role::text, invited_by from base.accept_invitation(%L)$$, :'inv'),
  format($$values (%L::uuid, %L::uuid, 'member', %L::uuid)$$, :'org', :'invitee', :'admin'),
  'the addressee accepts and becomes a member with the offered role, invited by the admin');
select results_eq(format($$select accepted_by from base.organization_invitations where id = %L and accepted_at is not null$$, :'inv'),
  format($$values (%L::uuid)$$, :'invitee'), 'the invitation records who accepted');
select throws_ok(format('select base.accept_invitation(%L)', :'inv'), '55000',
  format('invitation %s was already accepted at %s', :'inv',
         (select accepted_at from base.organization_invitations where id = :'inv')),
  'an invitation is accepted once');
select is((select count(*)::int from base.organization_members where organization_id = :'org'), 5,
  'the new member sees their colleagues');
select tests.authenticate_as(:'admin');
select is((select email from base.users where id = :'invitee'), 'invitee@example.test',
  'once they accepted, colleagues see the new member');

select tests.authenticate_as(:'second');
select is((select role::text from base.accept_invitation(:'owner_inv')), 'owner',
  'an owner invitation makes an owner');

-- Revoking ------------------------------------------------------------------------------------
select tests.authenticate_as(:'admin');
select base.invite_member(:'org', 'late@example.test') as late_inv \gset
select tests.authenticate_as(:'member');
select throws_ok(format('select base.revoke_invitation(%L)', :'late_inv'), 'P0002',
  format('no invitation %s in an organization you administer', :'late_inv'),
  'a member cannot revoke (nor tell the invitation exists)');
select tests.authenticate_as(:'other_owner');
select throws_ok(format('select base.revoke_invitation(%L)', :'late_inv'), 'P0002',
  format('no invitation %s in an organization you administer', :'late_inv'),
  'another organization''s owner gets the same answer');
select throws_ok($$select base.revoke_invitation('01936f6e-dead-7000-8000-00000000beef')$$, 'P0002',
  'no invitation 01936f6e-dead-7000-8000-00000000beef in an organization you administer',
  'an id that does not exist gets the same answer');
select tests.authenticate_as(:'admin');
select isnt((select revoked_at from base.revoke_invitation(:'late_inv')), null, 'an admin revokes a pending invitation');
select tests.authenticate_as(:'late');
select throws_ok(format('select base.accept_invitation(%L)', :'late_inv'), '55000',
  format('invitation %s was revoked at %s', :'late_inv',
         (select revoked_at from base.organization_invitations where id = :'late_inv')),
  'a revoked invitation cannot be accepted');
select tests.authenticate_as(:'admin');
select throws_ok(format('select base.revoke_invitation(%L)', :'late_inv'), '55000',
  format('invitation %s was already revoked at %s', :'late_inv',
         (select revoked_at from base.organization_invitations where id = :'late_inv')),
  'a revoked invitation is not revoked twice');

select tests.authenticate_as(:'owner');
select base.invite_member(:'org', 'stranger@example.test', 'owner') as stranger_owner_inv \gset
select tests.authenticate_as(:'admin');
select throws_ok(format('select base.revoke_invitation(%L)', :'stranger_owner_inv'), '42501',
  format('only owners of organization %s may revoke an invitation to the owner role', :'org'),
  'an admin cannot revoke an owner invitation');

-- Expiry --------------------------------------------------------------------------------------
select tests.clear_authentication();
insert into base.organization_invitations (organization_id, id, email, role, created_at, expires_at)
values (:'org', '01936f6e-0e0e-7000-8000-000000000e0e', 'late@example.test', 'viewer',
        now() - interval '8 days', now() - interval '1 day');
select tests.authenticate_as(:'late');
select throws_ok($$select base.accept_invitation('01936f6e-0e0e-7000-8000-000000000e0e')$$, '55000',
  format('invitation 01936f6e-0e0e-7000-8000-000000000e0e expired at %s', now() - interval '1 day'),
  'an expired invitation cannot be accepted');
select tests.authenticate_as(:'admin');
select throws_ok($$select base.revoke_invitation('01936f6e-0e0e-7000-8000-000000000e0e')$$, '55000',
  format('invitation 01936f6e-0e0e-7000-8000-000000000e0e expired at %s', now() - interval '1 day'),
  'an expired invitation is not revoked either');
select base.invite_member(:'org', 'late@example.test', 'viewer') as late_again \gset
select isnt((select revoked_at from base.organization_invitations where id = '01936f6e-0e0e-7000-8000-000000000e0e'), null,
  'inviting the address again supersedes the expired invitation');
select tests.authenticate_as(:'late');
select is((select role::text from base.accept_invitation(:'late_again')), 'viewer', 'the new invitation is accepted');

-- Already a member ----------------------------------------------------------------------------
select tests.clear_authentication();
insert into base.organization_invitations (organization_id, id, email)
values (:'org', '01936f6e-0f0f-7000-8000-000000000f0f', 'acme-viewer@example.test');
select tests.authenticate_as(:'viewer');
select throws_ok($$select base.accept_invitation('01936f6e-0f0f-7000-8000-000000000f0f')$$, '23505',
  format('user %s is already a member of organization %s', :'viewer', :'org'),
  'a member does not join twice');

-- Trusted services ----------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select isnt(base.invite_member(:'other_org', 'hired-by-hr@example.test'), null, 'service_role invites (provisioning)');
select tests.clear_authentication();
select is((select invited_by from base.organization_invitations where email = 'hired-by-hr@example.test'), null,
  'an invitation sent by a service names no inviter');

-- Audit ---------------------------------------------------------------------------------------
select results_eq(
  format($$select action, actor_user_id, changed_columns from base.audit_log
            where table_name = 'organization_invitations' and record_id = %L order by action$$, :'inv'),
  format($$values ('INSERT', %L::uuid, null::text[]), ('UPDATE', %L::uuid, array['accepted_at', 'accepted_by'])$$,
         :'admin', :'invitee'),
  'the invitation and its acceptance are in the audit log, with who did them');
select is(
  (select count(*)::int from base.audit_log
    where table_name = 'organization_members' and action = 'INSERT' and actor_user_id = :'invitee'
      and new_data ->> 'user_id' = :'invitee'),
  1, 'the membership an acceptance creates is audited with the new member as actor');

select * from finish();
rollback;
