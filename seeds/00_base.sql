-- Demo tenants: two organizations with a user in every role. Fixed ids and ON CONFLICT DO NOTHING
-- make the file safe to load again: the second load changes nothing.
-- Users: owner@, admin@, member@, viewer@ acme.test and globex.test.

insert into base.users (id, email, display_name) values
  ('01936f00-0000-7000-8000-00000000a001', 'owner@acme.test',    'Ada Owner'),
  ('01936f00-0000-7000-8000-00000000a002', 'admin@acme.test',    'Alan Admin'),
  ('01936f00-0000-7000-8000-00000000a003', 'member@acme.test',   'Grace Member'),
  ('01936f00-0000-7000-8000-00000000a004', 'viewer@acme.test',   'Linus Viewer'),
  ('01936f00-0000-7000-8000-00000000b001', 'owner@globex.test',  'Hank Owner'),
  ('01936f00-0000-7000-8000-00000000b002', 'admin@globex.test',  'Barbara Admin'),
  ('01936f00-0000-7000-8000-00000000b003', 'member@globex.test', 'Dennis Member'),
  ('01936f00-0000-7000-8000-00000000b004', 'viewer@globex.test', 'Margaret Viewer')
on conflict do nothing;

insert into base.organizations (id, name, slug, description, plan) values
  ('01936f00-0000-7000-8000-0000000000a0', 'Acme', 'acme', 'Demo tenant with every module in use.', 'team'),
  ('01936f00-0000-7000-8000-0000000000b0', 'Globex', 'globex', 'A second tenant, to see isolation at work.', 'free')
on conflict do nothing;

insert into base.organization_members (organization_id, user_id, role)
select o.id, u.id, split_part(u.email, '@', 1)::base.organization_role
  from base.organizations as o
  join base.users as u on split_part(u.email, '@', 2) = o.slug || '.test'
 where o.slug in ('acme', 'globex')
on conflict (organization_id, user_id) do nothing;

-- A pending invitation in each organization, sent by its admin (base.invite_member in real use).
insert into base.organization_invitations (organization_id, id, email, role, invited_by)
select o.id, v.id::uuid, v.email, v.role::base.organization_role, u.id
  from (values
    ('acme',   '01936f00-0000-7000-8000-00000000a101', 'new.hire@acme.test',   'member', 'admin@acme.test'),
    ('globex', '01936f00-0000-7000-8000-00000000b101', 'new.hire@globex.test', 'viewer', 'admin@globex.test')
  ) as v (org, id, email, role, inviter)
  join base.organizations as o on o.slug = v.org
  join base.users as u on lower(u.email) = v.inviter
on conflict do nothing;
