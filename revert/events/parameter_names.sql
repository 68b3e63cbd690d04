-- Revert platform:events/parameter_names from pg
-- Back to the body of v1.0.0 (with the search_path base/pin_search_path gave it).

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function events.payload_required_keys(payload_schema jsonb)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  select case when (pg_column_size(payload_schema) <= 65536 or base.refuse_oversized('payload_schema', pg_column_size(payload_schema), 65536))
              then coalesce(array(select jsonb_array_elements_text(payload_schema -> 'required')), '{}') end
$function$;

commit;
