-- A database laid out like a Supabase project, for the Supabase lane of `make test` and the smoke
-- suite: extensions installed in schema `extensions`, and the `auth` helpers Supabase ships
-- (auth.uid(), auth.jwt(), auth.role()) reading the same settings PostgREST sets. Run as the
-- database's owner, an ordinary role with CREATEROLE (Supabase's `postgres` is not a superuser).
-- The API roles anon, authenticated and service_role are cluster-wide and already exist.

create schema extensions;
create extension pg_trgm with schema extensions;
create extension btree_gin with schema extensions;
create extension btree_gist with schema extensions;
create extension pgcrypto with schema extensions;
grant usage on schema extensions to anon, authenticated, service_role;

create schema auth;
create function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                  nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;
create function auth.uid() returns uuid language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
$$;
create function auth.role() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
$$;
grant usage on schema auth to anon, authenticated, service_role;
grant execute on all functions in schema auth to anon, authenticated, service_role;
