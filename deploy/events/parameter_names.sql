-- Deploy platform:events/parameter_names to pg
-- The parameter naming rule (docs/conventions.md, "Naming") also says how a body uses a bare
-- parameter: qualified by the function name, since in a LANGUAGE sql body a column of the same name
-- would silently win. events.payload_required_keys read payload_schema unqualified (harmless: it
-- queries no table, and events.event_types has a payload_schema column); it now reads
-- payload_required_keys.payload_schema. Same signature, attributes, comment and grants (CREATE OR
-- REPLACE keeps them). The other events functions take their bare names in the changes that last
-- define them (events/extractors_in_plpgsql, events/fill_source_tables, events/routing).

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function events.payload_required_keys(payload_schema jsonb)
returns text[]
language sql
immutable
parallel safe
strict
set search_path = pg_catalog, pg_temp
as $$
  select case when (pg_column_size(payload_required_keys.payload_schema) <= 65536
                    or base.refuse_oversized('payload_schema', pg_column_size(payload_required_keys.payload_schema), 65536))
              then coalesce(array(select jsonb_array_elements_text(payload_required_keys.payload_schema -> 'required')), '{}') end
$$;

commit;
