-- Revert platform:base/current_user_id from pg
-- Back to the SQL bodies of v1.0.0, with the search_path base/pin_search_path gave them.

begin;

set local lock_timeout = '5s';

create or replace function base.current_user_id()
returns uuid
language sql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub',
    nullif(current_setting('request.jwt.claim.sub', true), '')
  )::uuid
$$;

create or replace function base.current_user_email()
returns text
language sql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select nullif(btrim(coalesce(
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email',
    nullif(current_setting('request.jwt.claim.email', true), ''))), '')
$$;

commit;
