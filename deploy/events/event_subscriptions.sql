-- Deploy platform:events/event_subscriptions to pg
-- Who wants which events. A subscription matches an event when
--   * the event belongs to the subscription's organization,
--   * source is NULL (any source) or equals the event's source,
--   * the event type matches event_type_pattern, a glob: '*' is any run of characters, '?' one
--     character, everything else literal ('pull_request.*', 'issue*', '*'). It is stored as
--     written and, in the generated column event_type_like, as the LIKE pattern routing uses
--     ('_' escaped, '*' -> '%', '?' -> '_'); LIKE, unlike a regex, cannot be made slow;
--   * the payload contains payload_filter (payload @> payload_filter; '{}' matches every payload).
-- Routing (process_pending_events) adds is_active. The target is a webhook URL, a queue name or
-- an internal handler name; the retry policy columns override the event type's defaults and are
-- copied onto each delivery when it is created.

begin;

create table events.event_subscriptions (
  organization_id       uuid        not null,
  id                    uuid        not null default base.uuid_generate_v7(),
  name                  text        not null,
  description           text,
  source                text,
  event_type_pattern    text        not null default '*',
  event_type_like       text        not null generated always as
                          (replace(replace(replace(event_type_pattern, '_', '\_'), '*', '%'), '?', '_')) stored,
  payload_filter        jsonb       not null default '{}',
  target_kind           text        not null,
  target                text        not null,
  target_config         jsonb       not null default '{}',
  is_active             boolean     not null default true,
  max_attempts          integer,
  backoff_base_seconds  integer,
  backoff_cap_seconds   integer,
  lease_seconds         integer     not null default 60,
  created_by            uuid        default base.current_user_id(),
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint event_subscriptions_pkey primary key (organization_id, id),
  constraint event_subscriptions_organization_id_name_key unique (organization_id, name),
  constraint event_subscriptions_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint event_subscriptions_created_by_fkey foreign key (created_by)
    references base.users (id) on delete set null,
  constraint event_subscriptions_name_check check (length(name) between 1 and 200 and name = btrim(name)),
  constraint event_subscriptions_description_check check (length(description) <= 2000),
  constraint event_subscriptions_source_check check (source ~ '^[a-z][a-z0-9_]{1,49}$'),
  constraint event_subscriptions_event_type_pattern_check check (event_type_pattern ~ '^[a-z0-9_.:*?-]{1,100}$'),
  constraint event_subscriptions_payload_filter_check check (
    jsonb_typeof(payload_filter) = 'object' and pg_column_size(payload_filter) <= 16384),
  constraint event_subscriptions_target_kind_check check (target_kind in ('webhook', 'queue', 'handler')),
  constraint event_subscriptions_target_check check (
    case target_kind
      when 'webhook' then target ~ '^https?://[^[:space:]]+$' and length(target) <= 2000
      else target ~ '^[a-z][a-z0-9_.:-]{0,99}$'
    end),
  constraint event_subscriptions_target_config_check check (
    jsonb_typeof(target_config) = 'object' and pg_column_size(target_config) <= 16384),
  constraint event_subscriptions_max_attempts_check check (max_attempts between 1 and 50),
  constraint event_subscriptions_backoff_base_seconds_check check (backoff_base_seconds between 1 and 86400),
  constraint event_subscriptions_backoff_cap_seconds_check check (
    backoff_cap_seconds between coalesce(backoff_base_seconds, 1) and 604800),
  constraint event_subscriptions_lease_seconds_check check (lease_seconds between 1 and 3600)
);

-- check_subscription_match(event_id, subscription_id) finds a subscription by id alone.
create unique index event_subscriptions_id_key on events.event_subscriptions (id);
create index event_subscriptions_created_by_idx
  on events.event_subscriptions (created_by) where created_by is not null;

comment on table events.event_subscriptions is
  'Routing rules: which events (source, type glob, payload containment filter) go to which target (webhook, queue or handler), with the retry policy of their deliveries.';
comment on column events.event_subscriptions.source is 'Only events of this source; NULL for every source.';
comment on column events.event_subscriptions.event_type_pattern is
  'Glob over the event type: * any characters, ? one character, the rest literal. ''*'' matches every type.';
comment on column events.event_subscriptions.event_type_like is 'event_type_pattern as a LIKE pattern (generated): what routing compares with.';
comment on column events.event_subscriptions.payload_filter is
  'JSON the payload must contain (payload @> payload_filter), e.g. {"repository": {"full_name": "acme/api"}}. ''{}'' matches all.';
comment on column events.event_subscriptions.target_kind is 'webhook (target is an http(s) URL), queue (a queue name) or handler (an internal handler name). Fixed once created: deliveries carry it.';
comment on column events.event_subscriptions.target is 'Where deliveries go: the webhook URL, queue name or handler name.';
comment on column events.event_subscriptions.target_config is
  'Target options (HTTP method and headers, queue options...). Not for secrets: store a reference to a secret, never the secret.';
comment on column events.event_subscriptions.is_active is 'False stops routing new events here; deliveries already queued still go out.';
comment on column events.event_subscriptions.max_attempts is 'Delivery attempts before dead-letter; NULL takes the event type''s.';
comment on column events.event_subscriptions.backoff_base_seconds is 'First retry delay (doubling per attempt, with jitter); NULL takes the event type''s.';
comment on column events.event_subscriptions.backoff_cap_seconds is 'Longest retry delay; NULL takes the event type''s.';
comment on column events.event_subscriptions.lease_seconds is 'How long a claimed delivery stays leased to its worker before recover_expired_deliveries() returns it.';
comment on column events.event_subscriptions.created_by is 'The user who created the subscription (JWT subject), if any.';

create trigger _100_set_updated_at
  before update on events.event_subscriptions
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('events.event_subscriptions'); end $$;

alter table events.event_subscriptions enable row level security;

create policy select_member on events.event_subscriptions
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.event_subscriptions is 'Members (viewer and up) see where their organization''s events go.';

create policy insert_admin on events.event_subscriptions
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy insert_admin on events.event_subscriptions is 'Admins and owners create subscriptions.';

create policy update_admin on events.event_subscriptions
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy update_admin on events.event_subscriptions is 'Admins and owners change, pause and resume subscriptions.';

create policy delete_admin on events.event_subscriptions
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on events.event_subscriptions is 'Admins and owners delete subscriptions (and with them their deliveries).';

create policy all_service_role on events.event_subscriptions
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.event_subscriptions is 'Trusted services manage every subscription.';

grant select, delete on events.event_subscriptions to authenticated;
grant insert (organization_id, name, description, source, event_type_pattern, payload_filter, target_kind,
              target, target_config, is_active, max_attempts, backoff_base_seconds, backoff_cap_seconds,
              lease_seconds)
  on events.event_subscriptions to authenticated;
grant update (name, description, source, event_type_pattern, payload_filter, target, target_config,
              is_active, max_attempts, backoff_base_seconds, backoff_cap_seconds, lease_seconds)
  on events.event_subscriptions to authenticated;
grant select, insert, update, delete on events.event_subscriptions to service_role;

commit;
