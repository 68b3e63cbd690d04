-- Deploy platform:base/users to pg
-- Platform users. Global (not tenant-owned): one person may belong to many organizations.
-- The id is the JWT subject (on Supabase, auth.users.id), so base.current_user_id() finds the row.

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
comment on column base.users.email is 'Login address; unique regardless of case (users_email_key on lower(email)).';
comment on column base.users.preferences is 'User-editable settings (UI, notifications); a JSON object of at most 64 KiB.';
comment on column base.users.metadata is 'Data set by trusted services, not by the user; a JSON object of at most 64 KiB.';
comment on column base.users.is_active is 'False once the account is disabled; the row stays so history keeps its author.';

create trigger _100_set_updated_at
  before update on base.users
  for each row execute function base.tg__set_updated_at();

alter table base.users enable row level security;

commit;
