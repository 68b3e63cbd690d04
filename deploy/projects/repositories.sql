-- Deploy platform:projects/repositories to pg
-- Source repositories of an organization and how they are analysed.
--   * provider is one of github, gitlab, bitbucket, azure_devops, other; full_name (owner/name,
--     with GitLab-style subgroups) is unique per organization and provider, whatever its case;
--   * clone_url must be https://, ssh:// or scp-like (git@host:path) and may not carry
--     credentials: secrets belong in a secret store, not in a table every viewer reads;
--   * analysis_config says which tools run, on which paths, how often; its shape is checked by
--     projects.validate_analysis_config() (23514 naming the offending key);
--   * last_analyzed_at belongs to the analytics module: API roles cannot write it.
-- Branch names (default_branch here, repository_branches.name) follow git's ref-name rules,
-- checked by projects.is_valid_branch_name().

begin;

create function projects.is_valid_branch_name(p_name text)
returns boolean
language sql
immutable
strict
parallel safe
as $$
  select length(p_name) between 1 and 255
     and p_name <> '@'
     and p_name !~ '[[:cntrl:][:space:]~^:?*\[\\]'
     and p_name !~ '^[/.-]|/$|\.$|\.lock$|\.\.|//|@\{|/\.'
$$;

comment on function projects.is_valid_branch_name(text) is
  'True when p_name is a valid git branch name (git check-ref-format rules: 1-255 characters, no spaces, control characters or ~^:?*[\, no "..", "//", "@{" or "/.", not starting with /, . or -, not ending with /, . or .lock).';
revoke execute on function projects.is_valid_branch_name(text) from public;
grant execute on function projects.is_valid_branch_name(text) to authenticated, service_role;

create function projects.validate_analysis_config(p_config jsonb)
returns boolean
language plpgsql
immutable
parallel safe
as $$
declare
  v_key   text;
  v_value jsonb;
  v_item  jsonb;
begin
  if p_config is null then
    return true;
  end if;
  if jsonb_typeof(p_config) <> 'object' then
    raise exception 'analysis_config must be a JSON object, not %', jsonb_typeof(p_config)
      using errcode = '23514', hint = 'Keys: tools, include, exclude, schedule, options.';
  end if;
  if pg_column_size(p_config) > 65536 then
    raise exception 'analysis_config is limited to 64 KiB' using errcode = '23514';
  end if;

  for v_key, v_value in select e.key, e.value from jsonb_each(p_config) as e loop
    case v_key
      when 'tools' then
        -- Two IFs, not one OR: jsonb_array_length() raises on a non-array.
        if jsonb_typeof(v_value) <> 'array' then
          raise exception 'analysis_config.tools must be an array of at most 50 tool names'
            using errcode = '23514', hint = 'Example: {"tools": ["eslint", "semgrep", "coverage"]}';
        end if;
        if jsonb_array_length(v_value) > 50 then
          raise exception 'analysis_config.tools must be an array of at most 50 tool names'
            using errcode = '23514', hint = 'Example: {"tools": ["eslint", "semgrep", "coverage"]}';
        end if;
        for v_item in select t.value from jsonb_array_elements(v_value) as t loop
          if jsonb_typeof(v_item) <> 'string' or (v_item #>> '{}') !~ '^[a-z0-9][a-z0-9_.-]{0,62}$' then
            raise exception 'analysis_config.tools has %, which is not a tool name (a-z, 0-9, _ . -; at most 63 characters)', v_item
              using errcode = '23514';
          end if;
        end loop;
        if (select count(distinct t.value) from jsonb_array_elements(v_value) as t) <> jsonb_array_length(v_value) then
          raise exception 'analysis_config.tools lists a tool twice' using errcode = '23514';
        end if;
      when 'include', 'exclude' then
        if jsonb_typeof(v_value) <> 'array' then
          raise exception 'analysis_config.% must be an array of at most 200 glob patterns', v_key
            using errcode = '23514', hint = 'Example: {"include": ["src/**"], "exclude": ["**/vendor/**"]}';
        end if;
        if jsonb_array_length(v_value) > 200 then
          raise exception 'analysis_config.% must be an array of at most 200 glob patterns', v_key
            using errcode = '23514', hint = 'Example: {"include": ["src/**"], "exclude": ["**/vendor/**"]}';
        end if;
        for v_item in select t.value from jsonb_array_elements(v_value) as t loop
          if jsonb_typeof(v_item) <> 'string' or length(v_item #>> '{}') not between 1 and 500
             or (v_item #>> '{}') ~ '[[:cntrl:]]' then
            raise exception 'analysis_config.% has %, which is not a glob pattern of 1 to 500 printable characters', v_key, v_item
              using errcode = '23514';
          end if;
        end loop;
      when 'schedule' then
        if jsonb_typeof(v_value) <> 'string'
           or ((v_value #>> '{}') not in ('manual', 'on_push', 'hourly', 'daily', 'weekly')
               and (v_value #>> '{}') !~ '^[0-9*/,-]+( +[0-9*/,-]+){4}$') then
          raise exception 'analysis_config.schedule is %, which is not a schedule', v_value
            using errcode = '23514',
                  hint = 'Allowed: manual, on_push, hourly, daily, weekly, or a five-field cron expression such as "0 3 * * 1".';
        end if;
      when 'options' then
        if jsonb_typeof(v_value) <> 'object' then
          raise exception 'analysis_config.options must be a JSON object keyed by tool name'
            using errcode = '23514';
        end if;
      else
        raise exception 'analysis_config has an unknown key "%"', v_key
          using errcode = '23514', hint = 'Keys: tools, include, exclude, schedule, options.';
    end case;
  end loop;
  return true;
end
$$;

comment on function projects.validate_analysis_config(jsonb) is
  'Check of repositories.analysis_config: an object (at most 64 KiB) with optional keys tools (array of at most 50 distinct tool names), include and exclude (arrays of at most 200 glob patterns), schedule (manual, on_push, hourly, daily, weekly or a five-field cron expression) and options (object of per-tool settings). Returns true or raises 23514 naming the offending key.';
revoke execute on function projects.validate_analysis_config(jsonb) from public;
grant execute on function projects.validate_analysis_config(jsonb) to authenticated, service_role;

create table projects.repositories (
  organization_id   uuid        not null,
  id                uuid        not null default base.uuid_generate_v7(),
  provider          text        not null,
  full_name         text        not null,
  name              text        not null generated always as (substring(full_name from '[^/]+$')) stored,
  clone_url         text        not null,
  default_branch    text        not null default 'main',
  visibility        text        not null default 'private',
  primary_language  text,
  description       text,
  analysis_config   jsonb       not null default '{}',
  metadata          jsonb       not null default '{}',
  last_analyzed_at  timestamptz,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  constraint repositories_pkey primary key (organization_id, id),
  constraint repositories_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint repositories_provider_check
    check (provider in ('github', 'gitlab', 'bitbucket', 'azure_devops', 'other')),
  constraint repositories_full_name_check
    check (length(full_name) <= 400 and full_name ~ '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$'),
  constraint repositories_clone_url_check
    check (length(clone_url) <= 2000
           and (clone_url ~ '^https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?/[^[:space:]]+$'
                or clone_url ~ '^ssh://[A-Za-z0-9_.-]+@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?/[^[:space:]]+$'
                or clone_url ~ '^[A-Za-z0-9_.-]+@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[^[:space:]/][^[:space:]]*$')),
  constraint repositories_default_branch_check check (projects.is_valid_branch_name(default_branch)),
  constraint repositories_visibility_check check (visibility in ('public', 'private', 'internal')),
  constraint repositories_primary_language_check check (length(primary_language) between 1 and 100),
  constraint repositories_description_check check (length(description) <= 10000),
  constraint repositories_analysis_config_check check (projects.validate_analysis_config(analysis_config)),
  constraint repositories_metadata_check
    check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536)
);

-- GitHub and GitLab treat owner/name case-insensitively: so does the key.
create unique index repositories_organization_id_provider_full_name_key
  on projects.repositories (organization_id, provider, lower(full_name));

-- Lookups by id alone: the original design's single-id functions (analytics'
-- calculate_quality_score(repository_id)) and repository_quality_overview filter on id without
-- organization_id. Not unique on purpose: a sharded (Citus) table cannot have a unique index
-- without the distribution column; UUIDv7 ids do not collide anyway.
create index repositories_id_idx on projects.repositories (id);

comment on table projects.repositories is
  'Source repositories of an organization: where to clone them, their default branch, and how analytics analyses them. Linked to projects through project_repositories.';
comment on column projects.repositories.provider is 'github, gitlab, bitbucket, azure_devops or other.';
comment on column projects.repositories.full_name is 'owner/name as the provider spells it (GitLab subgroups allowed); unique per organization and provider, case-insensitively.';
comment on column projects.repositories.name is 'The last part of full_name (generated).';
comment on column projects.repositories.clone_url is 'https://host/path, ssh://user@host/path or user@host:path; never with credentials.';
comment on column projects.repositories.default_branch is 'Name of the default branch; when the repository has branch rows, the one flagged is_default carries this name (checked at commit).';
comment on column projects.repositories.visibility is 'public, private or internal, as on the provider.';
comment on column projects.repositories.analysis_config is
  'Analysis settings: {"tools": [...], "include": [globs], "exclude": [globs], "schedule": "manual|on_push|hourly|daily|weekly|<cron>", "options": {tool: {...}}}; all keys optional; see projects.validate_analysis_config().';
comment on column projects.repositories.metadata is 'Open key/value data for integrations; a JSON object of at most 64 KiB.';
comment on column projects.repositories.last_analyzed_at is 'Finish time of the latest successful analysis run. Maintained by the analytics module; not writable by API roles.';

create trigger _100_set_updated_at
  before update on projects.repositories
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('projects.repositories'); end $$;

alter table projects.repositories enable row level security;

create policy select_viewer on projects.repositories
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on projects.repositories is 'Every member of the organization (viewer and up) reads its repositories.';

create policy insert_member on projects.repositories
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on projects.repositories is 'Members add repositories.';

create policy update_member on projects.repositories
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on projects.repositories is 'Members edit repositories and their analysis configuration.';

create policy delete_admin on projects.repositories
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on projects.repositories is 'Only admins and owners delete a repository (with its branches, links and analysis history).';

create policy all_service_role on projects.repositories
  for all to service_role using (true) with check (true);
comment on policy all_service_role on projects.repositories is 'Trusted services (sync jobs, analytics) manage every repository.';

grant select, delete on projects.repositories to authenticated;
grant insert (organization_id, provider, full_name, clone_url, default_branch, visibility,
              primary_language, description, analysis_config, metadata)
  on projects.repositories to authenticated;
grant update (provider, full_name, clone_url, default_branch, visibility, primary_language,
              description, analysis_config, metadata)
  on projects.repositories to authenticated;
grant select, insert, update, delete on projects.repositories to service_role;

commit;
