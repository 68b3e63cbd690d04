-- Deploy platform:base/organizations to pg
-- The tenant root. Every tenant-owned table carries organization_id referencing this table.
-- Policies arrive in base/access_policies, once the membership helpers exist.

begin;

create table base.organizations (
  id           uuid        not null default base.uuid_generate_v7(),
  name         text        not null,
  slug         text        not null,
  description  text,
  plan         text        not null default 'free',
  settings     jsonb       not null default '{}',
  is_active    boolean     not null default true,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  constraint organizations_pkey primary key (id),
  constraint organizations_slug_key unique (slug),
  constraint organizations_name_check check (length(name) between 1 and 200 and name = btrim(name)),
  constraint organizations_slug_check check (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$'),
  constraint organizations_description_check check (length(description) <= 10000),
  constraint organizations_plan_check check (plan in ('free', 'team', 'enterprise')),
  constraint organizations_settings_check check (jsonb_typeof(settings) = 'object' and pg_column_size(settings) <= 65536)
);

comment on table base.organizations is
  'Tenants. The root of every tenant-owned row (organization_id); the distribution key when sharded.';
comment on column base.organizations.slug is
  'URL name: 3-63 characters of a-z, 0-9 and hyphen, starting and ending with a letter or digit; unique.';
comment on column base.organizations.plan is 'Commercial plan: free, team or enterprise. Set by trusted services.';
comment on column base.organizations.settings is 'Organization-wide settings edited by admins; a JSON object of at most 64 KiB.';
comment on column base.organizations.is_active is 'False when the tenant is suspended; its data stays.';

create trigger _100_set_updated_at
  before update on base.organizations
  for each row execute function base.tg__set_updated_at();

alter table base.organizations enable row level security;

commit;
