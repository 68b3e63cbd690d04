-- Verify platform:base/users on pg

begin;

select id, email, display_name, avatar_url, preferences, metadata, is_active, last_seen_at,
       created_at, updated_at
  from base.users
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'base.users'::regclass;

rollback;
