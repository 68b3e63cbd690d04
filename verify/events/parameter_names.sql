-- Verify platform:events/parameter_names on pg

begin;

select 1 / count(*) from pg_catalog.pg_proc
 where oid = 'events.payload_required_keys(jsonb)'::regprocedure
   and prosrc like '%payload_required_keys.payload_schema%'
   and proconfig @> array['search_path=pg_catalog, pg_temp'];
select 1 / (events.payload_required_keys('{"required": ["a", "b"]}') = array['a', 'b'])::int;

rollback;
