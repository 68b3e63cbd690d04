-- Deploy platform:base/current_user_id to pg
-- The caller's user id is the JWT subject, read exactly as PostgREST and Supabase publish it:
-- the request.jwt.claims GUC (a JSON object) or, on older PostgREST, request.jwt.claim.sub.
-- Policies call it as (select base.current_user_id()) so it runs once per statement.
-- base.current_user_email() reads the caller's address the same way, from the "email" claim the
-- identity provider signs (Supabase and most IdPs put it there): sign-up and invitations trust
-- that address, never one the user types.

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

create function base.current_user_email()
returns text
language sql
stable
parallel safe
as $$
  select nullif(btrim(coalesce(
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email',
    nullif(current_setting('request.jwt.claim.email', true), ''))), '')
$$;

comment on function base.current_user_email() is
  'The calling user''s e-mail address as the identity provider signed it: the "email" claim of the request JWT (request.jwt.claims, or the legacy request.jwt.claim.email). NULL when the claim is absent or empty. base.users.email and invitation acceptance are checked against it.';

revoke execute on function base.current_user_email() from public;
grant execute on function base.current_user_email() to anon, authenticated, service_role;

commit;
