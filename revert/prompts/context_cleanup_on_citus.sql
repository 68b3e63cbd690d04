-- Revert platform:prompts/context_cleanup_on_citus from pg
-- The previous definition and comment, as the catalog prints them.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION prompts.cleanup_expired_context_data()
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
  v_deleted integer;
begin
  delete from prompts.context_data as d where d.expires_at <= clock_timestamp();
  get diagnostics v_deleted = row_count;
  return v_deleted;
end
$function$;

comment on function prompts.cleanup_expired_context_data() is
  'Deletes every expired context entry (expires_at at or before now, wall clock) and returns how many. For the service role and scheduled jobs (pg_cron).';

commit;
