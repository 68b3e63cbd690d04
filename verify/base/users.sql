-- Verify platform:base/users on pg

begin;

select id, email, display_name, avatar_url, preferences, metadata, is_active, last_seen_at,
       created_at, updated_at
  from base.users
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'base.users'::regclass;

select 1 / count(*)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'base.users'::regclass and tgname = '_050_email_from_claim'
   and tgfoid = 'internal.tg_users__email_from_claim()'::regprocedure;

rollback;
