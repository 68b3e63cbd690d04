-- Deploy platform:base/users to pg
-- Platform users. Global (not tenant-owned): one person may belong to many organizations.
-- The id is the JWT subject (on Supabase, auth.users.id), so base.current_user_id() finds the row.
-- The email is the identity provider's: a user signing up gets the address of their JWT "email"
-- claim (base.current_user_email()), whatever they type, so nobody can take someone else's address
-- and leave its real owner a 23505 at their own sign-up. Trusted services provision any address.

begin;

create table base.users (
  id            uuid        not null default base.uuid_generate_v7(),
  email         text        not null,
  display_name  text,
  avatar_url    text,
  preferences   jsonb       not null default '{}',
  metadata      jsonb       not null default '{}',
  is_active     boolean     not null default true,
  last_seen_at  timestamptz,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  constraint users_pkey primary key (id),
  constraint users_email_check check (length(email) <= 320 and email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  constraint users_display_name_check check (length(display_name) between 1 and 200),
  constraint users_avatar_url_check check (length(avatar_url) <= 2000 and avatar_url ~ '^https?://'),
  constraint users_preferences_check check (jsonb_typeof(preferences) = 'object' and pg_column_size(preferences) <= 65536),
  constraint users_metadata_check check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536)
);

-- Addresses are unique whatever their case.
create unique index users_email_key on base.users (lower(email));

comment on table base.users is
  'Platform users. Not tenant-owned: organization_members ties a user to organizations. id equals the JWT "sub".';
comment on column base.users.id is 'The JWT subject (Supabase: auth.users.id); base.current_user_id() returns it.';
comment on column base.users.email is
  'Login address; unique regardless of case (users_email_key on lower(email)). At sign-up it is the JWT "email" claim (trigger _050_email_from_claim); users cannot change it, trusted services may.';
comment on column base.users.preferences is 'User-editable settings (UI, notifications); a JSON object of at most 64 KiB.';
comment on column base.users.metadata is 'Data set by trusted services, not by the user; a JSON object of at most 64 KiB.';
comment on column base.users.is_active is 'False once the account is disabled; the row stays so history keeps its author.';

create trigger _100_set_updated_at
  before update on base.users
  for each row execute function base.tg__set_updated_at();

-- Sign-up takes the address from the JWT. SECURITY INVOKER (a BEFORE ROW trigger of a table
-- with RLS must not run with more rights than the caller): it reads only the caller's own claims.
create function internal.tg_users__email_from_claim()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  -- The caller's database role, as SET ROLE (PostgREST) or the login left it.
  v_role  text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
  v_email text;
begin
  if pg_catalog.pg_has_role(v_role, 'service_role', 'USAGE') then
    return new;      -- trusted provisioning (service_role, the package owner): any address
  end if;
  v_email := base.current_user_email();
  if v_email is null then
    raise exception 'signing up to base.users needs the "email" claim of the identity provider in the request JWT'
      using errcode = '42501', hint = 'base.users.email is taken from the JWT "email" claim, not from the request.';
  end if;
  if new.email is not null and pg_catalog.lower(new.email) <> pg_catalog.lower(v_email) then
    raise exception 'base.users.email must be the address of the JWT "email" claim'
      using errcode = '22023', hint = 'Leave email out at sign-up: it is taken from the JWT.';
  end if;
  new.email := v_email;
  return new;
end
$$;

comment on function internal.tg_users__email_from_claim() is
  'BEFORE INSERT trigger on base.users (SECURITY INVOKER): a caller without service_role signs up with the address of their JWT "email" claim: 42501 without the claim, 22023 when the given email differs from it (case aside).';
revoke execute on function internal.tg_users__email_from_claim() from public;

create trigger _050_email_from_claim
  before insert on base.users
  for each row execute function internal.tg_users__email_from_claim();

alter table base.users enable row level security;

commit;
