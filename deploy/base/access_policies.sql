-- Deploy platform:base/access_policies to pg
-- Row-level security and grants for users, organizations and members. Kept in one change
-- because the policies of all three need the membership helpers, which need the tables.
--
-- The shape every module copies:
--   * policies per command and role, named <command>_<scope>;
--   * the membership test is organization_id = any ((select internal.organization_ids_for(...))::uuid[])
--   * an explicit all_service_role policy, so trusted workers need no BYPASSRLS (which a
--     non-superuser deployer cannot grant on PostgreSQL 15);
--   * column lists on every INSERT and UPDATE grant: what a client may write is visible here.

begin;

-- users -----------------------------------------------------------------------------------
create policy select_self_or_colleague on base.users
  for select to authenticated
  using (
    id = (select base.current_user_id())
    or exists (select from base.organization_members as m
                where m.user_id = users.id
                  and m.organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[])));
comment on policy select_self_or_colleague on base.users is
  'A user sees their own row and the users who share an organization with them.';

create policy insert_self on base.users
  for insert to authenticated
  with check (id = (select base.current_user_id()));
comment on policy insert_self on base.users is
  'Sign-up: a user may create only the row whose id is their own JWT subject.';

create policy update_self on base.users
  for update to authenticated
  using (id = (select base.current_user_id()))
  with check (id = (select base.current_user_id()));
comment on policy update_self on base.users is 'A user edits only their own profile.';

create policy all_service_role on base.users
  for all to service_role using (true) with check (true);
comment on policy all_service_role on base.users is 'Trusted services manage every user.';

grant select on base.users to authenticated;
grant insert (id, email, display_name, avatar_url, preferences) on base.users to authenticated;
grant update (display_name, avatar_url, preferences) on base.users to authenticated;
grant select, insert, update, delete on base.users to service_role;

-- organizations -----------------------------------------------------------------------------
create policy select_member on base.organizations
  for select to authenticated
  using (id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on base.organizations is 'Every member (viewer and up) sees the organization.';

create policy update_admin on base.organizations
  for update to authenticated
  using (id = any ((select internal.organization_ids_for('admin'))::uuid[]))
  with check (id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy update_admin on base.organizations is 'Admins and owners edit the organization''s name, description and settings.';

create policy delete_owner on base.organizations
  for delete to authenticated
  using (id = any ((select internal.organization_ids_for('owner'))::uuid[]));
comment on policy delete_owner on base.organizations is 'Only owners delete an organization (and with it all its data).';

create policy all_service_role on base.organizations
  for all to service_role using (true) with check (true);
comment on policy all_service_role on base.organizations is 'Trusted services manage every organization.';

-- New organizations come from base.create_organization(), which also makes the caller owner.
grant select, delete on base.organizations to authenticated;
grant update (name, slug, description, settings) on base.organizations to authenticated;
grant select, insert, update, delete on base.organizations to service_role;

-- organization_members ----------------------------------------------------------------------
create policy select_member on base.organization_members
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on base.organization_members is 'Members see who else belongs to their organizations.';

create policy update_admin on base.organization_members
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy update_admin on base.organization_members is 'Admins and owners change roles, within the guard trigger''s rules.';

create policy delete_admin_or_self on base.organization_members
  for delete to authenticated
  using (user_id = (select base.current_user_id())
         or organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin_or_self on base.organization_members is 'Admins and owners remove members; anyone may leave.';

create policy all_service_role on base.organization_members
  for all to service_role using (true) with check (true);
comment on policy all_service_role on base.organization_members is 'Trusted services manage every membership.';

-- No INSERT for end users: a membership needs the member's consent (base.accept_invitation) or
-- comes with a new organization (base.create_organization); both are SECURITY DEFINER. An admin
-- who could insert any user id would learn whether it exists and then read that user's profile.
grant select, delete on base.organization_members to authenticated;
grant update (role) on base.organization_members to authenticated;
grant select, insert, update, delete on base.organization_members to service_role;

commit;
