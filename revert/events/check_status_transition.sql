-- Revert platform:events/check_status_transition from pg
-- Re-creates events.tg__check_status_transition() as it was before this rework.

begin;

set local lock_timeout = '5s';

CREATE OR REPLACE FUNCTION events.tg__check_status_transition()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- tg_argv[0]: how the row is named in messages ('event', 'event delivery');
-- tg_argv[1..]: 'from:to1|to2', one argument per status that has successors.
declare
  v_allowed text[] := '{}'::text[];
begin
  for v_i in 1 .. tg_nargs - 1 loop
    if split_part(tg_argv[v_i], ':', 1) = old.status then
      v_allowed := string_to_array(split_part(tg_argv[v_i], ':', 2), '|');
      exit;
    end if;
  end loop;
  if not new.status = any (v_allowed) then
    raise exception '% % cannot go from % to % (allowed from %: %)',
      tg_argv[0], old.id, old.status, new.status, old.status,
      coalesce(nullif(array_to_string(v_allowed, ', '), ''), 'none')
      using errcode = '55000';
  end if;
  return new;
end
$function$

;

comment on function events.tg__check_status_transition() is
  'BEFORE UPDATE trigger (fire it WHEN the status changes): refuses a status change not listed in the trigger arguments with 55000, naming the allowed next statuses. Arguments: a label for messages, then one ''from:to1|to2'' per status.';
revoke execute on function events.tg__check_status_transition() from public;

commit;
