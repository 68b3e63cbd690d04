-- Verify platform:events/fill_source_tables on pg

begin;

-- fill_source_tables writes the fields itself (reworked after v1.0.0), with a pinned search_path.
select 1 / count(*) from pg_catalog.pg_proc
 where oid = 'events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[])'::regprocedure
   and prosrc not like '%\_fields(%'
   and proconfig @> array['search_path=pg_catalog, pg_temp'];

-- Bare parameter names (the exposed schemas' rule, docs/conventions.md).
select 1 / count(*) from pg_catalog.pg_proc
 where oid = 'events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[])'::regprocedure
   and proargnames = array['organization_ids', 'event_ids', 'received_ats', 'sources', 'event_types', 'payloads'];

rollback;
