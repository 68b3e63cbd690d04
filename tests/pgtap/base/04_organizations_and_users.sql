-- Organizations and users: creation, validation with its SQLSTATEs, and who sees and edits what.
begin;
select plan(35);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('acme') \gset
select organization_id as other_org, owner_id as other_owner from tests.create_tenant('globex') \gset
select tests.create_user('founder@example.test') as founder \gset

-- create_organization -----------------------------------------------------------------------
select tests.authenticate_as(:'founder');
select is((base.create_organization('Initech', 'initech')).slug, 'initech',
  'an authenticated user creates an organization');
select is((select role::text from base.organization_members m join base.organizations o on o.id = m.organization_id
            where o.slug = 'initech' and m.user_id = :'founder'),
  'owner', 'its creator is its owner');
select throws_ok($$select base.create_organization('Initech Two', 'initech')$$, '23505',
  'duplicate key value violates unique constraint "organizations_slug_key"', 'slugs are unique');
select throws_ok($$select base.create_organization('Bad', 'Bad_Slug')$$, '23514',
  'new row for relation "organizations" violates check constraint "organizations_slug_check"',
  'slugs are lower-case letters, digits and hyphens');
select throws_ok($$select base.create_organization('Bad', '-edge-')$$, '23514',
  'new row for relation "organizations" violates check constraint "organizations_slug_check"',
  'slugs do not start or end with a hyphen');
select throws_ok($$select base.create_organization('Bad', 'ab')$$, '23514',
  'new row for relation "organizations" violates check constraint "organizations_slug_check"',
  'slugs have at least three characters');
select throws_ok(format('select base.create_organization(%L, %L)', 'Long', repeat('a', 64)), '23514',
  'new row for relation "organizations" violates check constraint "organizations_slug_check"',
  'slugs have at most 63 characters');
select throws_ok($$select base.create_organization('  padded ', 'padded')$$, '23514',
  'new row for relation "organizations" violates check constraint "organizations_name_check"',
  'names are trimmed and not empty');
select is((select count(*)::int from base.organizations where slug in ('padded', 'ab')), 0,
  'a refused organization leaves nothing behind');

select tests.clear_authentication();
select throws_ok($$select base.create_organization('Nobody', 'nobody')$$, '42501',
  'creating an organization needs an authenticated user', 'an organization needs a creator');
select set_config('request.jwt.claims', '{"sub": "01936f6e-9999-7000-8000-000000000009"}', true);
select throws_ok($$select base.create_organization('Ghost', 'ghost')$$, '55000',
  'user 01936f6e-9999-7000-8000-000000000009 has no active profile in base.users',
  'a JWT without a user row cannot create organizations');
select tests.clear_authentication();

-- Organization access by role -----------------------------------------------------------------
select tests.authenticate_as(:'viewer');
select is((select count(*)::int from base.organizations where id in (:'org', :'other_org')), 1,
  'a viewer sees their organization and not the other');
update base.organizations set name = 'Renamed by viewer' where id = :'org';
select tests.authenticate_as(:'member');
update base.organizations set name = 'Renamed by member' where id = :'org';
delete from base.organizations where id = :'org';
select tests.authenticate_as(:'admin');
select is((select name from base.organizations where id = :'org'), 'Acme',
  'viewers and members neither rename nor delete the organization');
select lives_ok(format($$update base.organizations set name = 'Acme Corp', settings = '{"theme": "dark"}' where id = %L$$, :'org'),
  'an admin edits name and settings');
select throws_ok(format($$update base.organizations set plan = 'enterprise' where id = %L$$, :'org'),
  '42501', 'permission denied for table organizations', 'nobody but trusted services changes the plan');
select throws_ok(format($$update base.organizations set settings = '[1, 2]' where id = %L$$, :'org'),
  '23514', 'new row for relation "organizations" violates check constraint "organizations_settings_check"',
  'settings must be a JSON object');
update base.organizations set name = 'Hijacked' where id = :'other_org';
delete from base.organizations where id = :'org';
select tests.clear_authentication();
select is((select name from base.organizations where id = :'other_org'), 'Globex',
  'an admin cannot touch another organization');
select is((select count(*)::int from base.organizations where id = :'org'), 1, 'an admin cannot delete the organization');
select tests.authenticate_as(:'owner');
select results_eq(format($$delete from base.organizations where id = %L returning slug$$, :'org'),
  array['acme'], 'an owner deletes the organization');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok('select count(*) from base.organizations', '42501', 'permission denied for table organizations',
  'anon cannot read organizations at all');
select throws_ok('select count(*) from base.users', '42501', 'permission denied for table users',
  'anon cannot read users at all');
select tests.clear_authentication();

-- Users ---------------------------------------------------------------------------------------
select tests.authenticate_as(:'other_owner');
select is((select count(*)::int from base.users where id in (:'owner', :'admin', :'other_owner')), 1,
  'a user sees themselves but not people outside their organizations');
select lives_ok(format($$update base.users set display_name = 'Globex Owner' where id = %L$$, :'other_owner'),
  'a user edits their own profile');
update base.users set display_name = 'Defaced' where id = :'founder';
select throws_ok(format($$update base.users set email = 'x@example.test' where id = %L$$, :'other_owner'),
  '42501', 'permission denied for table users', 'the email address is not self-service');

-- Sign-up: the address is the identity provider's (the JWT "email" claim), not what the user types.
select tests.set_identity('authenticated', '{"sub": "01936f6e-aaaa-7000-8000-00000000000a", "email": "SignUp@example.test", "role": "authenticated"}');
select throws_ok($$insert into base.users (id, email) values ('01936f6e-aaaa-7000-8000-00000000000a', 'founder@example.test')$$,
  '22023', 'base.users.email must be the address of the JWT "email" claim',
  'sign-up with an address other than the JWT''s (here: someone else''s) is refused, so its owner can still sign up');
select lives_ok($$insert into base.users (id, display_name) values ('01936f6e-aaaa-7000-8000-00000000000a', 'New User')$$,
  'sign-up: a user creates their own row without typing an address');
select is((select email from base.users where id = '01936f6e-aaaa-7000-8000-00000000000a'), 'SignUp@example.test',
  'the address of the new row is the JWT''s email claim');
select tests.set_identity('authenticated', '{"sub": "01936f6e-cccc-7000-8000-00000000000c", "email": "c@example.test", "role": "authenticated"}');
select lives_ok($$insert into base.users (id, email) values ('01936f6e-cccc-7000-8000-00000000000c', 'C@Example.test')$$,
  'sign-up may name the same address in another case');
select throws_ok($$insert into base.users (id, email) values ('01936f6e-bbbb-7000-8000-00000000000b', 'c@example.test')$$,
  '42501', 'new row violates row-level security policy for table "users"',
  'nobody creates a row for another identity');
select tests.set_identity('authenticated', '{"sub": "01936f6e-dddd-7000-8000-00000000000d", "role": "authenticated"}');
select throws_ok($$insert into base.users (id, email) values ('01936f6e-dddd-7000-8000-00000000000d', 'd@example.test')$$,
  '42501', 'signing up to base.users needs the "email" claim of the identity provider in the request JWT',
  'without an email claim there is no sign-up');
select tests.authenticate_as_service_role();
select lives_ok($$insert into base.users (id, email) values ('01936f6e-eeee-7000-8000-00000000000e', 'provisioned@example.test')$$,
  'service_role provisions a user with any address');
select tests.clear_authentication();
select is((select display_name from base.users where id = :'founder'), null, 'nobody edits someone else''s profile');

select throws_ok($$insert into base.users (email) values ('FOUNDER@example.test')$$, '23505',
  'duplicate key value violates unique constraint "users_email_key"', 'emails are unique whatever their case');
select throws_ok($$insert into base.users (email) values ('not an email')$$, '23514',
  'new row for relation "users" violates check constraint "users_email_check"', 'emails are validated');
select throws_ok($$insert into base.users (email, preferences) values ('p@example.test', '"text"')$$, '23514',
  'new row for relation "users" violates check constraint "users_preferences_check"', 'preferences must be a JSON object');

select * from finish();
rollback;
