-- Deploy platform:prompts/context_cleanup_on_citus to pg
-- Why: its DELETE compared expires_at with clock_timestamp() in the WHERE clause; on a
-- distributed table (Citus) a modification may not call a VOLATILE function there ("functions used
-- in the WHERE/ON/WHEN clause of modification queries on distributed tables must not be
-- VOLATILE"), so the hourly job failed on every run. The wall-clock instant is now read once into
-- a variable before the DELETE and compared with an immutable operator: one statement on both
-- targets (on Citus one DELETE per shard, no lock beyond the deleted rows), the same rows deleted
-- (expires_at at or before the wall-clock time at the call's start; an entry that expires while
-- the DELETE runs waits for the next run, as it could already before), the same count returned.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function prompts.cleanup_expired_context_data()
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_now     timestamptz := pg_catalog.clock_timestamp();  -- wall clock, read once: Citus refuses a volatile call in the WHERE
  v_deleted integer;
begin
  delete from prompts.context_data as d where d.expires_at <= v_now;
  get diagnostics v_deleted = row_count;
  return v_deleted;
end
$$;
comment on function prompts.cleanup_expired_context_data() is
  'Deletes every expired context entry (expires_at at or before now: the wall clock when the call starts) and returns how many. For the service role and scheduled jobs (pg_cron).';

commit;
