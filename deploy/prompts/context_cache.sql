-- Deploy platform:prompts/context_cache to pg
-- The cache API:
--   get_context(source_id, key)             -> the fresh entry, or no row
--   put_context(source_id, key, content...) -> atomic upsert, returns the entry
--   cleanup_expired_context_data()          -> deletes expired entries, returns how many
--
-- put_context is one INSERT ... ON CONFLICT (organization_id, source_id, context_key) DO UPDATE:
-- two sessions putting the same key at the same moment both succeed (the second waits for the
-- first and then updates its row), and exactly one row remains. (Under REPEATABLE READ or
-- SERIALIZABLE the second may get a 40001 serialization failure to retry, as any upsert does;
-- READ COMMITTED, the default and what poolers run, never errors.)
-- put_context is SECURITY DEFINER because users have no write privilege on context_data (see
-- prompts/context_data); it checks the caller itself: a member of the source's organization or
-- the service role.

begin;

create function prompts.get_context(source_id uuid, key text)
returns setof prompts.context_data
language sql
volatile
rows 1
as $$
  select d.*
    from prompts.context_sources as s
    join prompts.context_data as d
      on d.organization_id = s.organization_id and d.source_id = s.id and d.context_key = get_context.key
   where s.id = get_context.source_id
     and d.expires_at > clock_timestamp()
     and (coalesce(length(get_context.key), 0) <= 1000 or base.refuse_oversized('key', length(get_context.key), 1000))
$$;
comment on function prompts.get_context(uuid, text) is
  'The cached entry of a source and key while it is fresh (expires_at after the current wall-clock time); no row when absent, expired or not visible to the caller. VOLATILE because freshness is judged by clock_timestamp().';

create function internal.put_context(
  source_id  uuid,
  key        text,
  content    text,
  ttl        interval default null,
  metadata   jsonb    default '{}')
returns prompts.context_data
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_source  prompts.context_sources;
  v_caller  text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
  v_ttl     interval;
  v_now     timestamptz := pg_catalog.clock_timestamp();
  v_row     prompts.context_data;
begin
  select * into v_source from prompts.context_sources as s where s.id = put_context.source_id;
  -- Not a member: the source does not exist for the caller (nothing leaks about other tenants).
  if not found or (v_caller <> 'service_role' and not base.has_organization_role(v_source.organization_id, 'member')) then
    raise exception 'context source % not found', put_context.source_id
      using errcode = 'P0002', hint = 'Writing context takes the member role in the source''s organization.';
  end if;
  if not v_source.is_active then
    raise exception 'context source % is inactive and accepts no new content', v_source.id
      using errcode = '55000', hint = 'Set is_active = true on the source first.';
  end if;

  v_ttl := coalesce(put_context.ttl, v_source.default_ttl);
  if v_ttl <= interval '0' or v_ttl > interval '30 days' then
    raise exception 'ttl % is out of range; allowed: more than 0 and at most 30 days', v_ttl
      using errcode = '22023';
  end if;
  if put_context.content is null then
    raise exception 'put_context needs content (an empty string is valid)' using errcode = '22023';
  end if;

  insert into prompts.context_data as d
    (organization_id, source_id, context_key, content, metadata, fetched_at, expires_at)
  values
    (v_source.organization_id, v_source.id, put_context.key, put_context.content,
     coalesce(put_context.metadata, '{}'), v_now, v_now + v_ttl)
  on conflict on constraint context_data_organization_id_source_id_context_key_key do update
     set content    = excluded.content,
         metadata   = excluded.metadata,
         fetched_at = excluded.fetched_at,
         expires_at = excluded.expires_at
  returning d.* into v_row;
  return v_row;
end
$$;
comment on function internal.put_context(uuid, text, text, interval, jsonb) is
  'The SECURITY DEFINER body of prompts.put_context (which calls it as an invoker, so no definer function is exposed to the API). Not for direct use.';
revoke execute on function internal.put_context(uuid, text, text, interval, jsonb) from public;
grant execute on function internal.put_context(uuid, text, text, interval, jsonb) to authenticated, service_role;

create function prompts.put_context(
  source_id  uuid,
  key        text,
  content    text,
  ttl        interval default null,
  metadata   jsonb    default '{}')
returns prompts.context_data
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select internal.put_context(put_context.source_id, put_context.key, put_context.content, put_context.ttl, put_context.metadata)
$$;
comment on function prompts.put_context(uuid, text, text, interval, jsonb) is
  'Stores fresh content for a source and key (atomic upsert, safe under concurrency): fetched now, expiring after ttl (default: the source''s default_ttl). Returns the entry. P0002 for a source unknown to the caller (members and the service role may write), 55000 for an inactive source, 22023 for a ttl out of (0, 30 days] or NULL content, 23514 for an oversized key, content or metadata.';

create function prompts.cleanup_expired_context_data()
returns integer
language plpgsql
volatile
as $$
declare
  v_deleted integer;
begin
  delete from prompts.context_data as d where d.expires_at <= clock_timestamp();
  get diagnostics v_deleted = row_count;
  return v_deleted;
end
$$;
comment on function prompts.cleanup_expired_context_data() is
  'Deletes every expired context entry (expires_at at or before now, wall clock) and returns how many. For the service role and scheduled jobs (pg_cron).';

revoke execute on function prompts.get_context(uuid, text) from public;
revoke execute on function prompts.put_context(uuid, text, text, interval, jsonb) from public;
revoke execute on function prompts.cleanup_expired_context_data() from public;
grant execute on function prompts.get_context(uuid, text) to authenticated, service_role;
grant execute on function prompts.put_context(uuid, text, text, interval, jsonb) to authenticated, service_role;
grant execute on function prompts.cleanup_expired_context_data() to service_role;

commit;
