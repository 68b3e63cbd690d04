-- Deploy platform:events/ingest to pg
-- Ingestion: validate an event against its type, store it once, fill its source table (with
-- the per-source field functions of events/fill_source_tables), and wake the routers with
-- NOTIFY events_pending. Its payload is empty: anyone may LISTEN (and NOTIFY) on any channel,
-- so a notification carries nothing a tenant wrote (no source, type or organization); a router
-- treats it only as "poll now" (process_pending_events), and a forged one costs an empty poll.
--
-- Idempotency (events.event_idempotency_keys): the key row is inserted first with
-- ON CONFLICT DO NOTHING. When it conflicts, the next statement (a new snapshot in READ
-- COMMITTED) reads the first event's id and returns it, storing nothing. A concurrent duplicate
-- waits on the first transaction's uncommitted key: commit -> it returns the first id; rollback
-- -> it stores its own event. Keys of a batch are inserted in (source, key) order, so two
-- batches that share keys lock them in the same order and cannot deadlock. Under REPEATABLE
-- READ or SERIALIZABLE a duplicate committed after the caller's snapshot raises 40001: retry.
-- A key whose event is gone (its month dropped by a maintenance run before cleanup_old_events
-- purged the key) is free again: only a repeat pays for that check, one primary-key probe.
--
-- The functions are SECURITY INVOKER and executable by service_role only: webhook receivers and
-- other trusted services ingest; users read events through RLS.
--
-- Reworked after v1.0.0: every function pins its search_path (base/pin_search_path), and the
-- planner no longer inlines events.effective_event_type, so ingest_event and ingest_events read the
-- event type with their own query, the same rule written out (the organization's own type first,
-- then the built-in one); tests/pgtap/events/02_ingest.sql checks that they agree. Called, the
-- function cost each ingest about 40 us (a third of the whole call). validate_event, which only
-- runs for an event about to be refused, still calls it.

begin;

set local lock_timeout = '5s';

create or replace function events.validate_event(
  organization_id uuid,
  source          text,
  event_type      text,
  payload         jsonb,
  context         text default null)
returns events.event_types
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
-- Resolves the event type an event of this organization would use (its own definition first,
-- then the built-in one) and checks the payload against it. Every problem raises with a message
-- that names it and the allowed values; `context` (e.g. 'events[3]: ') prefixes the message.
declare
  v_ctx     text := coalesce(validate_event.context, '');
  v_type    events.event_types;
  v_known   text;
  v_missing text;
begin
  if validate_event.organization_id is null then
    raise exception '%organization_id is required', v_ctx using errcode = '22023';
  end if;

  select string_agg(distinct t.source, ', ' order by t.source) into v_known
    from events.event_types as t
   where t.organization_id = validate_event.organization_id or t.organization_id is null;
  if validate_event.source is null
     or not exists (select from events.event_types as t
                     where t.source = validate_event.source
                       and (t.organization_id = validate_event.organization_id or t.organization_id is null)) then
    raise exception '%unknown event source "%" (known sources: %)', v_ctx, coalesce(validate_event.source, 'null'), v_known
      using errcode = '22023',
            hint = 'Add an event type for the source to events.event_types first.';
  end if;

  select t.* into v_type
    from events.effective_event_type(validate_event.organization_id, validate_event.source,
                                     validate_event.event_type) as t;
  if not found then
    select string_agg(distinct t.name, ', ' order by t.name) into v_known
      from events.event_types as t
     where t.source = validate_event.source
       and (t.organization_id = validate_event.organization_id or t.organization_id is null);
    raise exception '%unknown event type "%" for source "%" (known types: %)',
      v_ctx, coalesce(validate_event.event_type, 'null'), validate_event.source, v_known
      using errcode = '22023';
  end if;

  if not v_type.is_active then
    raise exception '%event type %/% is disabled', v_ctx, v_type.source, v_type.name
      using errcode = '55000', hint = 'An admin re-enables it with is_active = true.';
  end if;

  if validate_event.payload is null or jsonb_typeof(validate_event.payload) <> 'object' then
    raise exception '%payload of %/% must be a JSON object, got %',
      v_ctx, v_type.source, v_type.name, coalesce(jsonb_typeof(validate_event.payload), 'null')
      using errcode = '22023';
  end if;

  select string_agg(k, ', ' order by k) into v_missing
    from unnest(v_type.required_keys) as k
   where not validate_event.payload ? k;
  if v_missing is not null then
    raise exception '%payload of %/% is missing required keys: %', v_ctx, v_type.source, v_type.name, v_missing
      using errcode = '22023',
            detail = format('required keys: %s', array_to_string(v_type.required_keys, ', '));
  end if;

  return v_type;
end
$$;

comment on function events.validate_event(uuid, text, text, jsonb, text) is
  'Returns the event type an event would be stored under (the organization''s own first, then the built-in one) after checking source, type and payload. 22023 for a missing organization, an unknown source or type, a payload that is not an object or misses required keys; 55000 for a disabled type.';

create or replace function events.ingest_event(
  organization_id  uuid,
  source           text,
  event_type       text,
  payload          jsonb,
  idempotency_key  text        default null,
  occurred_at      timestamptz default now(),
  metadata         jsonb       default '{}')
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_id       uuid := base.uuid_generate_v7();
  v_ok       boolean;
  v_existing    uuid;
  v_existing_at timestamptz;
  v_fields      record;
begin
  -- One probe of the type catalog checks source, type, activity and required keys; only a
  -- rejected event pays for validate_event's precise message.
  -- The rule of events.effective_event_type, written out (see the header).
  select t.is_active and jsonb_typeof(ingest_event.payload) = 'object' and ingest_event.payload ?& t.required_keys
    into v_ok
    from events.event_types as t
   where t.source = ingest_event.source and t.name = ingest_event.event_type
     and (t.organization_id = ingest_event.organization_id or t.organization_id is null)
   order by t.organization_id nulls last
   limit 1;
  if v_ok is not true or ingest_event.organization_id is null then
    perform events.validate_event(ingest_event.organization_id, ingest_event.source,
                                  ingest_event.event_type, ingest_event.payload);
  end if;
  if ingest_event.occurred_at is null then
    raise exception 'occurred_at must not be null' using errcode = '22023',
      hint = 'Leave it out to use the time of ingest.';
  end if;
  if ingest_event.metadata is null or jsonb_typeof(ingest_event.metadata) <> 'object' then
    raise exception 'metadata must be a JSON object, got %', coalesce(jsonb_typeof(ingest_event.metadata), 'null')
      using errcode = '22023';
  end if;

  if ingest_event.idempotency_key is not null then
    if length(ingest_event.idempotency_key) not between 1 and 200 then
      raise exception 'idempotency_key must be 1 to 200 characters long, got %', length(ingest_event.idempotency_key)
        using errcode = '22023';
    end if;
    loop
      insert into events.event_idempotency_keys
        (organization_id, source, idempotency_key, event_id, event_received_at)
      values
        (ingest_event.organization_id, ingest_event.source, ingest_event.idempotency_key, v_id, now())
      on conflict on constraint event_idempotency_keys_pkey do nothing;
      exit when found;
      select k.event_id, k.event_received_at into v_existing, v_existing_at
        from events.event_idempotency_keys as k
       where k.organization_id = ingest_event.organization_id
         and k.source = ingest_event.source
         and k.idempotency_key = ingest_event.idempotency_key;
      if found then
        if exists (select from events.events as e
                    where e.organization_id = ingest_event.organization_id
                      and e.id = v_existing and e.received_at = v_existing_at) then
          return v_existing;   -- a repeat: the first event's id, nothing stored
        end if;
        -- The key outlived its event (its month was dropped before cleanup_old_events purged
        -- the key): the key is free again.
        delete from events.event_idempotency_keys as k
         where k.organization_id = ingest_event.organization_id
           and k.source = ingest_event.source
           and k.idempotency_key = ingest_event.idempotency_key
           and k.event_id = v_existing;
      end if;
      -- Claim the free key (another session may take it first: then the loop finds theirs).
    end loop;
  end if;

  insert into events.events
    (organization_id, id, received_at, source, event_type, occurred_at, idempotency_key, payload, metadata)
  values
    (ingest_event.organization_id, v_id, now(), ingest_event.source, ingest_event.event_type,
     ingest_event.occurred_at, ingest_event.idempotency_key, ingest_event.payload, ingest_event.metadata);

  -- The source-table row, written here rather than through events.fill_source_tables (the batch
  -- path): one plain INSERT instead of a function call over one-element arrays halves its cost.
  -- The fields come from the source's events.*_fields function into a record first, and the row
  -- is inserted with VALUES: Citus runs an INSERT ... SELECT from a function through the
  -- coordinator and ships the rows by COPY, which it refuses on a table with row-level security.
  case ingest_event.source
  when 'github' then
    select f.* into v_fields from events.github_fields(ingest_event.payload) as f;
    insert into events.github_events
      (organization_id, event_id, received_at, event_type, repository_full_name, action, sender_login, ref, number, commit_sha)
    values (ingest_event.organization_id, v_id, now(), ingest_event.event_type,
            v_fields.repository_full_name, v_fields.action, v_fields.sender_login, v_fields.ref, v_fields.number,
            v_fields.commit_sha);
  when 'linear' then
    select f.* into v_fields from events.linear_fields(ingest_event.payload) as f;
    insert into events.linear_events
      (organization_id, event_id, received_at, event_type, action, entity_type, entity_id, issue_identifier, team_key,
       state_name, priority)
    values (ingest_event.organization_id, v_id, now(), ingest_event.event_type,
            v_fields.action, v_fields.entity_type, v_fields.entity_id, v_fields.issue_identifier, v_fields.team_key,
            v_fields.state_name, v_fields.priority);
  when 'slack' then
    select f.* into v_fields from events.slack_fields(ingest_event.payload) as f;
    insert into events.slack_events
      (organization_id, event_id, received_at, event_type, team_id, channel_id, user_id, message_ts, thread_ts)
    values (ingest_event.organization_id, v_id, now(), ingest_event.event_type,
            v_fields.team_id, v_fields.channel_id, v_fields.user_id, v_fields.message_ts, v_fields.thread_ts);
  when 'deployment' then
    select f.* into v_fields from events.deployment_fields(ingest_event.payload, ingest_event.event_type) as f;
    insert into events.deployment_events
      (organization_id, event_id, received_at, event_type, environment, service, version, status, commit_sha,
       duration_seconds)
    values (ingest_event.organization_id, v_id, now(), ingest_event.event_type,
            v_fields.environment, v_fields.service, v_fields.version, v_fields.status, v_fields.commit_sha,
            v_fields.duration_seconds);
  else
    null;  -- a custom source has no source table
  end case;

  perform pg_catalog.pg_notify('events_pending', '');  -- empty payload: "poll now"
  return v_id;
end
$$;

comment on function events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb) is
  'Stores one event and returns its id; a repeated idempotency_key for the same organization and source returns the first event''s id and stores nothing (across partitions and concurrent duplicates). Validates against the event type (22023 unknown source/type or missing required keys, 55000 disabled type), fills the source table, notifies events_pending (empty payload).';

create or replace function events.ingest_events(organization_id uuid, events jsonb)
returns setof uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
-- events: [{"source": ..., "event_type": ..., "payload": {...}, "idempotency_key": ...,
--           "occurred_at": ..., "metadata": {...}}, ...]; returns one id per element, in order.
-- A key repeated inside the batch behaves as if the elements arrived one after the other: the
-- first one is stored, the others get its id.
declare
  v_n               integer;
  v_problem         text;
  v_bad             record;
  v_ord             integer[];
  v_source          text[];
  v_type            text[];
  v_payload         jsonb[];
  v_key             text[];
  v_occurred        timestamptz[];
  v_metadata        jsonb[];
  v_new_id          uuid[];
  v_id              uuid[];
  v_id_at           timestamptz[];
  v_stored          uuid[];
  v_stored_source   text[];
  v_stored_type     text[];
  v_stored_payload  jsonb[];
begin
  if ingest_events.organization_id is null then
    raise exception 'organization_id is required' using errcode = '22023';
  end if;
  if ingest_events.events is null or jsonb_typeof(ingest_events.events) <> 'array' then
    raise exception 'events must be a JSON array of event objects, got %', coalesce(jsonb_typeof(ingest_events.events), 'null')
      using errcode = '22023';
  end if;
  v_n := jsonb_array_length(ingest_events.events);
  if v_n = 0 then
    return;
  end if;
  if v_n > 10000 then
    raise exception 'events holds % events; a batch takes at most 10000', v_n using errcode = '22023';
  end if;

  -- 1. The shape of every element; the first problem is reported with its index.
  select format('events[%s]: %s', x.ord - 1, p.problem) into v_problem
    from jsonb_array_elements(ingest_events.events) with ordinality as x(e, ord)
    cross join lateral (
      select case
        when jsonb_typeof(x.e) <> 'object' then
          format('must be a JSON object, got %s', jsonb_typeof(x.e))
        when exists (select from jsonb_object_keys(x.e) as k
                      where k not in ('source', 'event_type', 'payload', 'idempotency_key', 'occurred_at', 'metadata')) then
          format('unknown key "%s" (allowed: event_type, idempotency_key, metadata, occurred_at, payload, source)',
                 (select min(k) from jsonb_object_keys(x.e) as k
                   where k not in ('source', 'event_type', 'payload', 'idempotency_key', 'occurred_at', 'metadata')))
        when jsonb_typeof(x.e -> 'source') is distinct from 'string' then
          format('source must be a string, got %s', coalesce(jsonb_typeof(x.e -> 'source'), 'nothing'))
        when jsonb_typeof(x.e -> 'event_type') is distinct from 'string' then
          format('event_type must be a string, got %s', coalesce(jsonb_typeof(x.e -> 'event_type'), 'nothing'))
        when coalesce(jsonb_typeof(x.e -> 'idempotency_key'), 'null') not in ('string', 'null')
             or length(x.e ->> 'idempotency_key') not between 1 and 200 then
          'idempotency_key must be a string of 1 to 200 characters'
        when coalesce(jsonb_typeof(x.e -> 'occurred_at'), 'null') not in ('string', 'null')
             or (x.e ->> 'occurred_at') !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$' then
          'occurred_at must be an ISO 8601 timestamp string'
        when coalesce(jsonb_typeof(x.e -> 'metadata'), 'null') not in ('object', 'null') then
          format('metadata must be a JSON object, got %s', jsonb_typeof(x.e -> 'metadata'))
      end as problem) as p
   where p.problem is not null
   order by x.ord
   limit 1;
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;

  select array_agg(x.ord::integer order by x.ord),
         array_agg(x.e ->> 'source' order by x.ord),
         array_agg(x.e ->> 'event_type' order by x.ord),
         array_agg(x.e -> 'payload' order by x.ord),
         array_agg(x.e ->> 'idempotency_key' order by x.ord),
         array_agg(coalesce((x.e ->> 'occurred_at')::timestamptz, now()) order by x.ord),
         array_agg(coalesce(nullif(x.e -> 'metadata', 'null'), '{}') order by x.ord),
         array_agg(base.uuid_generate_v7() order by x.ord)
    into v_ord, v_source, v_type, v_payload, v_key, v_occurred, v_metadata, v_new_id
    from jsonb_array_elements(ingest_events.events) with ordinality as x(e, ord);

  -- 2. Types and payloads, set-based; validate_event explains the first failure.
  select u.ord, u.source, u.event_type, u.payload into v_bad
    from unnest(v_ord, v_source, v_type, v_payload) as u(ord, source, event_type, payload)
    -- The rule of events.effective_event_type, written out (see the header).
    left join lateral (select et.*
                         from events.event_types as et
                        where et.source = u.source and et.name = u.event_type
                          and (et.organization_id = ingest_events.organization_id or et.organization_id is null)
                        order by et.organization_id nulls last
                        limit 1) as t on true
   where not coalesce(t.is_active and jsonb_typeof(u.payload) = 'object' and u.payload ?& t.required_keys, false)
   order by u.ord
   limit 1;
  if found then
    perform events.validate_event(ingest_events.organization_id, v_bad.source, v_bad.event_type, v_bad.payload,
                                  format('events[%s]: ', v_bad.ord - 1));
  end if;

  loop
    -- 3. Claim the idempotency keys, first occurrence of each key in the batch, in key order.
    insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)
    select distinct on (u.source, u.idempotency_key)
           ingest_events.organization_id, u.source, u.idempotency_key, u.new_id, now()
      from unnest(v_ord, v_source, v_key, v_new_id) as u(ord, source, idempotency_key, new_id)
     where u.idempotency_key is not null
     order by u.source, u.idempotency_key, u.ord
    on conflict on constraint event_idempotency_keys_pkey do nothing;

    -- 4. Every keyed element now has a key row (ours or a committed earlier one): its event id
    --    is the row's. An element is new when that id is its own.
    select array_agg(coalesce(k.event_id, u.new_id) order by u.ord),
           array_agg(k.event_received_at order by u.ord)
      into v_id, v_id_at
      from unnest(v_ord, v_source, v_key, v_new_id) as u(ord, source, idempotency_key, new_id)
      left join events.event_idempotency_keys as k
        on k.organization_id = ingest_events.organization_id
       and k.source = u.source
       and k.idempotency_key = u.idempotency_key;

    -- 4b. A key that outlived its event (its month was dropped before cleanup_old_events purged
    --     the key) is free again: remove it and claim again. Only keys of earlier transactions
    --     are checked (this batch's own keys carry now(), and their events come in step 5).
    with stale as (
      delete from events.event_idempotency_keys as k
       using unnest(v_source, v_key, v_id, v_id_at) as u(source, idempotency_key, id, id_at)
       where u.idempotency_key is not null
         and u.id_at < now()
         and k.organization_id = ingest_events.organization_id and k.source = u.source
         and k.idempotency_key = u.idempotency_key and k.event_id = u.id
         and not exists (select from events.events as e
                          where e.organization_id = ingest_events.organization_id
                            and e.id = u.id and e.received_at = u.id_at)
      returning 1
    )
    select count(*) into v_n from stale;
    exit when v_n = 0;
  end loop;

  -- 5. Store the new events and their source-table rows.
  with inserted as (
    insert into events.events as e
      (organization_id, id, received_at, source, event_type, occurred_at, idempotency_key, payload, metadata)
    select ingest_events.organization_id, u.new_id, now(), u.source, u.event_type, u.occurred_at,
           u.idempotency_key, u.payload, u.metadata
      from unnest(v_new_id, v_id, v_source, v_type, v_occurred, v_key, v_payload, v_metadata)
             as u(new_id, id, source, event_type, occurred_at, idempotency_key, payload, metadata)
     where u.id = u.new_id
     order by u.new_id
    returning e.id, e.source, e.event_type, e.payload
  )
  select array_agg(i.id), array_agg(i.source), array_agg(i.event_type), array_agg(i.payload)
    into v_stored, v_stored_source, v_stored_type, v_stored_payload
    from inserted as i;

  if v_stored is not null then
    perform events.fill_source_tables(array_fill(ingest_events.organization_id, array[cardinality(v_stored)]), v_stored,
                                      array_fill(now(), array[cardinality(v_stored)]), v_stored_source,
                                      v_stored_type, v_stored_payload);
    perform pg_catalog.pg_notify('events_pending', '');  -- empty payload: "poll now"
  end if;

  return query select u.id from unnest(v_id) with ordinality as u(id, ord) order by u.ord;
end
$$;

comment on function events.ingest_events(uuid, jsonb) is
  'Batch ingest: events is a JSON array of {source, event_type, payload, idempotency_key?, occurred_at?, metadata?} (at most 10000). Returns one id per element, in order, with ingest_event''s guarantees (a repeated key, in the batch or before it, returns the first event''s id). 22023 names the first invalid element as events[i]; the batch is stored whole or not at all.';

revoke execute on function events.validate_event(uuid, text, text, jsonb, text) from public;
revoke execute on function events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb) from public;
revoke execute on function events.ingest_events(uuid, jsonb) from public;
grant execute on function events.validate_event(uuid, text, text, jsonb, text) to service_role;
grant execute on function events.ingest_event(uuid, text, text, jsonb, text, timestamptz, jsonb) to service_role;
grant execute on function events.ingest_events(uuid, jsonb) to service_role;

commit;
