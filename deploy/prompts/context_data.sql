-- Deploy platform:prompts/context_data to pg
-- The context cache: one entry per (source, key) with its content, a content hash and size
-- computed by the database, and an expiry.
--   * An expired entry is never served: users read through the select policy, which hides
--     expired rows, and through get_context(), which filters them again; the wall clock
--     (clock_timestamp()) is used, not the transaction start, so a long transaction cannot
--     read an entry that expired during it.
--   * Users write only through put_context() (prompts/context_cache), an atomic upsert; they
--     have no INSERT or UPDATE privilege here. That is also why the hiding select policy is
--     safe: a direct INSERT ... ON CONFLICT DO UPDATE over an expired (hidden) row would fail
--     its RLS check, while put_context runs past RLS after checking membership itself.
--   * cleanup_expired_context_data() deletes expired entries (service role).

begin;

create table prompts.context_data (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  source_id        uuid        not null,
  context_key      text        not null,
  content          text        not null,
  content_hash     bytea       not null generated always as (prompts.utf8_sha256(content)) stored,
  size_bytes       integer     not null generated always as (octet_length(content)) stored,
  metadata         jsonb       not null default '{}',
  fetched_at       timestamptz not null default now(),
  expires_at       timestamptz not null,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint context_data_pkey primary key (organization_id, id),
  -- The upsert target of put_context(), and the index behind the source foreign key.
  constraint context_data_organization_id_source_id_context_key_key unique (organization_id, source_id, context_key),
  constraint context_data_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint context_data_organization_id_source_id_fkey foreign key (organization_id, source_id)
    references prompts.context_sources (organization_id, id) on delete cascade,
  constraint context_data_context_key_check check (length(context_key) between 1 and 1000),
  constraint context_data_content_check check (octet_length(content) <= 4194304),
  constraint context_data_metadata_check check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 16384),
  constraint context_data_expires_at_check check (expires_at > fetched_at)
);

-- cleanup_expired_context_data() walks this.
create index context_data_expires_at_idx on prompts.context_data (expires_at);

comment on table prompts.context_data is
  'Cached context per source and key: content, its sha256 and size (computed), and expires_at. Expired entries are never served; read with get_context(), write with put_context().';
comment on column prompts.context_data.context_key is 'What was fetched within the source (a file path, a URL, an analysis id...); unique per source.';
comment on column prompts.context_data.content is 'The cached text, at most 4 MiB.';
comment on column prompts.context_data.content_hash is 'Generated: sha256 of the content''s UTF-8 bytes; compare to skip re-processing unchanged context.';
comment on column prompts.context_data.size_bytes is 'Generated: the content''s size in bytes.';
comment on column prompts.context_data.metadata is 'Fetch details (etag, commit sha, content type...); a JSON object of at most 16 KiB.';
comment on column prompts.context_data.fetched_at is 'When the content was fetched (the last put_context).';
comment on column prompts.context_data.expires_at is 'The entry is served strictly before this instant, never at or after it.';

create trigger _100_set_updated_at
  before update on prompts.context_data
  for each row execute function base.tg__set_updated_at();

alter table prompts.context_data enable row level security;

create policy select_viewer_fresh on prompts.context_data
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[])
         and expires_at > clock_timestamp());
comment on policy select_viewer_fresh on prompts.context_data is
  'Members of the organization read its cached context while it is fresh; expired entries are invisible.';

create policy all_service_role on prompts.context_data
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.context_data is 'Trusted services read, refresh and clean up every entry (expired ones included).';

-- Writes go through put_context(); cleanup through cleanup_expired_context_data().
grant select on prompts.context_data to authenticated;
grant select, insert, update, delete on prompts.context_data to service_role;

commit;
