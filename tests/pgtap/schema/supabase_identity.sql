-- Where Supabase's auth helpers exist (the Supabase lane of `make test`), the package and Supabase
-- agree on who the caller is and what role they act as, for identities set as PostgREST sets them.
begin;
select plan(4);

select exists (select from pg_proc where oid = to_regprocedure('auth.uid()')) as has_auth \gset

\if :has_auth
select owner_id as owner from tests.create_tenant('supa') \gset
select tests.authenticate_as(:'owner');
select is(base.current_user_id(), auth.uid(), 'base.current_user_id() is auth.uid()');
select is(auth.role(), 'authenticated', 'auth.role() sees the authenticated role');
select is(current_user::text, 'authenticated', 'the session acts as the authenticated role');
select tests.clear_authentication();
select is(
  (select r.rolsuper from pg_class c join pg_roles r on r.oid = c.relowner where c.oid = 'base.organizations'::regclass),
  false, 'the package was deployed by a non-superuser owner, as on Supabase');
\else
select skip('no auth schema here: this file runs in the Supabase lane of make test', 4);
\endif

select * from finish();
rollback;
