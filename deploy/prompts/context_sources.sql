-- Deploy platform:prompts/context_sources to pg
-- Where the context injected into prompts comes from: repository files, analysis results,
-- events, URLs or anything custom. Each source says how to fetch (configuration), when to
-- refresh (refresh_policy) and how long a fetched entry stays fresh (default_ttl). The cached
-- entries are in prompts.context_data.
-- Repository sources name their repository inside configuration rather than through a foreign
-- key: the prompts module does not depend on the projects module's deployment.

begin;

create table prompts.context_sources (
  organization_id   uuid        not null,
  id                uuid        not null default base.uuid_generate_v7(),
  name              text        not null,
  kind              text        not null,
  description       text,
  configuration     jsonb       not null default '{}',
  refresh_policy    text        not null default 'on_expiry',
  refresh_interval  interval,
  default_ttl       interval    not null default '1 hour',
  is_active         boolean     not null default true,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  constraint context_sources_pkey primary key (organization_id, id),
  constraint context_sources_organization_id_name_key unique (organization_id, name),
  constraint context_sources_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint context_sources_name_check check (length(name) between 1 and 200 and name = btrim(name)),
  constraint context_sources_kind_check
    check (kind in ('repository_file', 'analysis_result', 'event', 'url', 'custom')),
  constraint context_sources_description_check check (length(description) <= 2000),
  constraint context_sources_configuration_check
    check (jsonb_typeof(configuration) = 'object' and pg_column_size(configuration) <= 65536
           and case kind
                 when 'url' then coalesce(configuration ->> 'url' ~ '^https?://[^[:space:]]+$', false)
                 when 'repository_file' then coalesce(jsonb_typeof(configuration -> 'path') = 'string', false)
                 else true
               end),
  constraint context_sources_refresh_policy_check check (refresh_policy in ('on_expiry', 'scheduled', 'manual')),
  constraint context_sources_refresh_interval_check
    check (case when refresh_policy = 'scheduled' then coalesce(refresh_interval >= interval '1 minute', false)
                else refresh_interval is null end),
  constraint context_sources_default_ttl_check
    check (default_ttl > interval '0' and default_ttl <= interval '30 days')
);

-- get_context(source_id, ...) and put_context(source_id, ...) take a bare source id.
create index context_sources_id_idx on prompts.context_sources (id);

comment on table prompts.context_sources is
  'Origins of prompt context (repository files, analysis results, events, URLs, custom) with their fetch configuration and refresh policy. Cached entries: prompts.context_data.';
comment on column prompts.context_sources.kind is 'repository_file, analysis_result, event, url or custom.';
comment on column prompts.context_sources.configuration is
  'How to fetch: a JSON object of at most 64 KiB; kind url needs a http(s) "url", kind repository_file a string "path" (plus e.g. "repository_id", "ref").';
comment on column prompts.context_sources.refresh_policy is
  'on_expiry: fetched again when a reader finds no fresh entry; scheduled: refreshed by a worker every refresh_interval; manual: only when someone puts new content.';
comment on column prompts.context_sources.refresh_interval is 'For scheduled sources only: at least one minute.';
comment on column prompts.context_sources.default_ttl is 'How long an entry stays fresh when put_context is given no ttl (at most 30 days).';
comment on column prompts.context_sources.is_active is 'An inactive source accepts no new content (put_context raises 55000); its fresh entries are still served.';

create trigger _100_set_updated_at
  before update on prompts.context_sources
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('prompts.context_sources'); end $$;

alter table prompts.context_sources enable row level security;

create policy select_viewer on prompts.context_sources
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on prompts.context_sources is 'Every member of the organization sees its context sources.';

create policy insert_member on prompts.context_sources
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on prompts.context_sources is 'Members (and up) add context sources.';

create policy update_member on prompts.context_sources
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on prompts.context_sources is 'Members (and up) reconfigure context sources.';

create policy delete_admin on prompts.context_sources
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on prompts.context_sources is 'Admins and owners delete a source and, with it, its cached data.';

create policy all_service_role on prompts.context_sources
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.context_sources is 'Trusted services manage every context source.';

grant select, delete on prompts.context_sources to authenticated;
grant insert (organization_id, id, name, kind, description, configuration, refresh_policy, refresh_interval,
              default_ttl, is_active)
  on prompts.context_sources to authenticated;
grant update (name, description, configuration, refresh_policy, refresh_interval, default_ttl, is_active)
  on prompts.context_sources to authenticated;
grant select, insert, update, delete on prompts.context_sources to service_role;

commit;
