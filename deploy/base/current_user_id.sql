-- Deploy platform:base/current_user_id to pg
-- The caller's user id is the JWT subject, read exactly as PostgREST and Supabase publish it:
-- the request.jwt.claims GUC (a JSON object) or, on older PostgREST, request.jwt.claim.sub.
-- Policies call it as (select base.current_user_id()) so it runs once per statement.

begin;

create function base.current_user_id()
returns uuid
language sql
stable
parallel safe
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub',
    nullif(current_setting('request.jwt.claim.sub', true), '')
  )::uuid
$$;

comment on function base.current_user_id() is
  'The calling user''s id: the "sub" claim of the request JWT (request.jwt.claims, or the legacy request.jwt.claim.sub). NULL when no user is authenticated. A sub that is not a UUID raises 22P02.';

revoke execute on function base.current_user_id() from public;
grant execute on function base.current_user_id() to anon, authenticated, service_role;

commit;
