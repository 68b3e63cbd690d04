-- Deploy platform:events/event_types to pg
-- What events exist: a source (github, linear, slack, deployment or a custom one) and a type name,
-- the keys every payload of the type must carry, the default retry policy of its deliveries and
-- how long its events are kept.
--
-- One catalog table holds both the global built-in types (organization_id NULL) and the types an
-- organization adds (organization_id set). Why one table rather than a global table plus a tenant
-- table:
--   * ingest resolves a type with one index probe per partial unique index: the organization's
--     own definition wins over the built-in one of the same source and name, so an organization
--     can also override a built-in type (keep its GitHub pushes shorter, require more keys);
--   * retention (cleanup_old_events) reads one table; a type's retention only shortens what is
--     kept: the shared partitions' retention is operator configuration (events/retention).
-- The price is a nullable organization_id, so the primary key is (id) and uniqueness is two
-- partial indexes. DESIGN.md lists built-in event types as a global catalog: under Citus this
-- table is a reference table (it is small and read on every ingest), not a distributed one.
-- organization_id stays the first column and every tenant row still cascades with its tenant.

begin;

-- The JSON description of a type's payload is a JSON-Schema subset: {"type": "object",
-- "required": ["key", ...]}. Ingest checks `payload ?& required_keys`; this turns the schema into
-- that text[] once, when the type is written, instead of at every ingest.
create function events.payload_required_keys(payload_schema jsonb)
returns text[]
language sql
immutable
strict
parallel safe
as $$
  select case when (pg_column_size(payload_schema) <= 65536 or base.refuse_oversized('payload_schema', pg_column_size(payload_schema), 65536))
              then coalesce(array(select jsonb_array_elements_text(payload_schema -> 'required')), '{}') end
$$;
comment on function events.payload_required_keys(jsonb) is
  'The top-level keys a payload must have, read from a type''s payload_schema ("required" array). Used by the generated column event_types.required_keys.';
revoke execute on function events.payload_required_keys(jsonb) from public;
grant execute on function events.payload_required_keys(jsonb) to authenticated, service_role;

create table events.event_types (
  organization_id       uuid,
  id                    uuid        not null default base.uuid_generate_v7(),
  source                text        not null,
  name                  text        not null,
  description           text,
  payload_schema        jsonb       not null default '{"type": "object", "required": []}',
  required_keys         text[]      not null generated always as (events.payload_required_keys(payload_schema)) stored,
  max_attempts          integer     not null default 5,
  backoff_base_seconds  integer     not null default 10,
  backoff_cap_seconds   integer     not null default 3600,
  retention             interval    not null default interval '90 days',
  is_active             boolean     not null default true,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint event_types_pkey primary key (id),
  constraint event_types_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint event_types_source_check check (source ~ '^[a-z][a-z0-9_]{1,49}$'),
  constraint event_types_name_check check (name ~ '^[a-z0-9][a-z0-9_.:-]{0,99}$'),
  constraint event_types_description_check check (length(description) <= 2000),
  constraint event_types_payload_schema_check check (
    jsonb_typeof(payload_schema) = 'object'
    and pg_column_size(payload_schema) <= 65536
    and jsonb_typeof(coalesce(payload_schema -> 'required', '[]')) = 'array'
    and not jsonb_path_exists(payload_schema, '$.required[*] ? (@.type() != "string")')),
  constraint event_types_max_attempts_check check (max_attempts between 1 and 50),
  constraint event_types_backoff_base_seconds_check check (backoff_base_seconds between 1 and 86400),
  constraint event_types_backoff_cap_seconds_check check (backoff_cap_seconds between backoff_base_seconds and 604800),
  constraint event_types_retention_check check (retention between interval '1 day' and interval '3650 days')
);

-- A built-in type is unique by source and name; an organization's type by organization, source
-- and name (it may shadow a built-in one). The second index also serves the foreign key.
create unique index event_types_source_name_key
  on events.event_types (source, name) where organization_id is null;
create unique index event_types_organization_id_source_name_key
  on events.event_types (organization_id, source, name) where organization_id is not null;

comment on table events.event_types is
  'Event types: global built-ins (organization_id NULL) and types an organization adds or overrides. Payload contract, default delivery retry policy and retention of each type.';
comment on column events.event_types.organization_id is
  'NULL for a built-in type every organization uses; otherwise the organization that owns the type. An organization''s type shadows the built-in one with the same source and name.';
comment on column events.event_types.source is 'Where events of the type come from: github, linear, slack, deployment, or a custom source (a-z, 0-9, _).';
comment on column events.event_types.name is 'Type name within the source, e.g. push, pull_request, issue, message, succeeded. Lowercase; . : _ - allowed.';
comment on column events.event_types.payload_schema is
  'JSON description of the payload: {"type": "object", "required": [top-level keys]}. Ingest rejects (22023) a payload that misses a required key.';
comment on column events.event_types.required_keys is 'Generated from payload_schema.required: what ingest checks with payload ?& required_keys.';
comment on column events.event_types.max_attempts is
  'Processing configuration: delivery attempts before dead-letter, for subscriptions that set none; also the routing attempts before the event is marked failed.';
comment on column events.event_types.backoff_base_seconds is 'Processing configuration: first retry delay of a failed delivery (doubling each attempt), unless the subscription sets its own.';
comment on column events.event_types.backoff_cap_seconds is 'Processing configuration: the longest retry delay, unless the subscription sets its own.';
comment on column events.event_types.retention is
  'How long events of the type are kept at most (1 day to 10 years): cleanup_old_events() deletes older ones. It only shortens what is kept: whole partitions go past the shared partition retention in base.partition_config (operator configuration), whatever the type says.';
comment on column events.event_types.is_active is 'False refuses new events of the type (55000); stored events stay.';

create trigger _100_set_updated_at
  before update on events.event_types
  for each row execute function base.tg__set_updated_at();

-- The built-in types of the four integrations. Required keys are the ones the source tables
-- read; retention follows what each source is used for (chat is short-lived, deployments are
-- an audit trail).
insert into events.event_types (source, name, description, payload_schema, retention)
select v.source, v.name, v.description,
       jsonb_build_object('type', 'object', 'required', to_jsonb(v.required)),
       v.retention
  from (values
    ('github', 'push',           'Commits pushed to a branch or tag.',            array['ref', 'repository'],                       interval '180 days'),
    ('github', 'pull_request',   'A pull request was opened, edited, merged...',  array['action', 'pull_request', 'repository'], interval '180 days'),
    ('github', 'issues',         'An issue was opened, edited, closed...',        array['action', 'issue', 'repository'],        interval '180 days'),
    ('github', 'issue_comment',  'A comment on an issue or pull request.',        array['action', 'comment', 'issue', 'repository'], interval '180 days'),
    ('github', 'release',        'A release was published or changed.',           array['action', 'release', 'repository'],      interval '180 days'),
    ('github', 'workflow_run',   'A GitHub Actions workflow run changed state.',  array['action', 'workflow_run', 'repository'], interval '180 days'),
    ('linear', 'issue',          'A Linear issue was created, updated or removed.', array['action', 'data'],                     interval '180 days'),
    ('linear', 'comment',        'A comment on a Linear issue.',                  array['action', 'data'],                       interval '180 days'),
    ('linear', 'project',        'A Linear project changed.',                     array['action', 'data'],                       interval '180 days'),
    ('slack', 'message',         'A message posted in a channel the app is in.',  array['team_id', 'event'],                     interval '90 days'),
    ('slack', 'app_mention',     'The app was mentioned.',                        array['team_id', 'event'],                     interval '90 days'),
    ('slack', 'reaction_added',  'A reaction was added to a message.',            array['team_id', 'event'],                     interval '90 days'),
    ('deployment', 'started',    'A deployment started.',                         array['environment', 'version'],               interval '365 days'),
    ('deployment', 'succeeded',  'A deployment finished successfully.',           array['environment', 'version'],               interval '365 days'),
    ('deployment', 'failed',     'A deployment failed.',                          array['environment', 'version'],               interval '365 days'),
    ('deployment', 'rolled_back','A deployment was rolled back.',                 array['environment', 'version'],               interval '365 days')
  ) as v(source, name, description, required, retention);

do $$ begin perform base.enable_audit('events.event_types'); end $$;

alter table events.event_types enable row level security;

create policy select_member on events.event_types
  for select to authenticated
  using (organization_id is null
         or organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.event_types is
  'Everyone signed in sees the built-in types; members (viewer and up) see their organization''s own types.';

create policy insert_admin on events.event_types
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy insert_admin on events.event_types is
  'Admins and owners add types to their organization; built-in types (organization_id NULL) are not theirs to add.';

create policy update_admin on events.event_types
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy update_admin on events.event_types is 'Admins and owners edit their organization''s types, never the built-in ones.';

create policy delete_admin on events.event_types
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on events.event_types is
  'Admins and owners remove their organization''s types; stored events of a removed type fall back to the built-in type''s retention, or to partition retention.';

create policy all_service_role on events.event_types
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.event_types is 'Trusted services manage every type, built-in ones included.';

grant select, delete on events.event_types to authenticated;
grant insert (organization_id, source, name, description, payload_schema, max_attempts,
              backoff_base_seconds, backoff_cap_seconds, retention, is_active)
  on events.event_types to authenticated;
grant update (description, payload_schema, max_attempts, backoff_base_seconds, backoff_cap_seconds,
              retention, is_active)
  on events.event_types to authenticated;
grant select, insert, update, delete on events.event_types to service_role;

-- The one rule for "which type does this organization's event use": its own definition, else
-- the built-in one. A SQL set-returning function, so the planner inlines it wherever it is
-- used (ingest, validation, routing) as one probe of the two partial unique indexes.
create function events.effective_event_type(p_organization_id uuid, p_source text, p_name text)
returns setof events.event_types
language sql
stable
as $$
  select t.*
    from events.event_types as t
   where t.source = p_source and t.name = p_name
     and (coalesce(length(p_source), 0) <= 50 or base.refuse_oversized('p_source', length(p_source), 50))
     and (coalesce(length(p_name), 0) <= 100 or base.refuse_oversized('p_name', length(p_name), 100))
     and (t.organization_id = p_organization_id or t.organization_id is null)
   order by t.organization_id nulls last
   limit 1
$$;
comment on function events.effective_event_type(uuid, text, text) is
  'The event type an organization''s events of this source and name use: the organization''s own definition, else the built-in one; no row when neither exists. Inlined by the planner.';
revoke execute on function events.effective_event_type(uuid, text, text) from public;
grant execute on function events.effective_event_type(uuid, text, text) to authenticated, service_role;

commit;
