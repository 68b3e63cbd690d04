-- Deploy platform:base/status_note_setting to pg
-- internal.set_status_note(setting, note): hands a status change's note to the history trigger as a
-- transaction-local setting that also reaches Citus workers. projects.transition_project and
-- analytics.set_issue_status passed it with set_config(..., true), which Citus does not send to
-- the workers, where the history triggers of distributed tables run: on Citus every note was
-- lost, silently (the history row had none). Citus sends SET LOCAL to the transaction's worker
-- connections while citus.propagate_set_commands is 'local', so on Citus the note is set that
-- way (and the caller's propagation setting put back); where Citus is not loaded the setting
-- does not exist and set_config(..., true) runs as before.
begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create function internal.set_status_note(p_setting text, p_note text)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_propagate text := pg_catalog.current_setting('citus.propagate_set_commands', true);
begin
  if p_setting is null or p_setting not in ('projects.status_note', 'analytics.status_note') then
    raise exception 'unknown status note setting %', coalesce(pg_catalog.quote_literal(p_setting), 'NULL')
      using errcode = '22023', hint = 'projects.status_note or analytics.status_note.';
  end if;
  if v_propagate is null then
    perform pg_catalog.set_config(p_setting, coalesce(p_note, ''), true);
    return;
  end if;
  perform pg_catalog.set_config('citus.propagate_set_commands', 'local', true);
  if p_setting = 'projects.status_note' then
    execute pg_catalog.format('set local projects.status_note = %L', coalesce(p_note, ''));
  else
    execute pg_catalog.format('set local analytics.status_note = %L', coalesce(p_note, ''));
  end if;
  perform pg_catalog.set_config('citus.propagate_set_commands', v_propagate, true);
end
$$;

comment on function internal.set_status_note(text, text) is
  'Sets projects.status_note or analytics.status_note (22023 for any other name) for the rest of the transaction, the note a status history trigger records; on Citus with SET LOCAL under citus.propagate_set_commands = local, so that it reaches the workers. Called by transition_project and set_issue_status.';
revoke execute on function internal.set_status_note(text, text) from public;
grant execute on function internal.set_status_note(text, text) to authenticated, service_role;

commit;
