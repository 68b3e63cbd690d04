-- Deploy platform:base/status_machines to pg
-- One idiom for every status machine of the package:
--   * the allowed transitions are DATA, rows of base.status_transitions (machine, from, to), where
--     a machine is '<schema>.<table>.<column>'; UIs read them (select granted to the API roles);
--   * one trigger function, internal.tg__check_status_transition('<machine>', '<column>'), fired by
--     one trigger shape on every machine:
--         create trigger _000_check_status_transition
--           before update of <column> on <table>
--           for each row when (old.<column> is distinct from new.<column>)
--           execute function internal.tg__check_status_transition('<machine>', '<column>');
--     (on tasks.tasks only, AFTER, with the machine's pairs in WHEN: its hot path runs no function
--     on a legal change; see tasks/status_machine);
--   * one message, 55000: invalid status transition for <machine>: "<from>" -> "<to>", DETAIL
--     allowed from "<from>": <targets in the data> (or none: a final state).
-- Each module's <module>/status_machine change inserts its rows and swaps its triggers. The machine
-- name is a trigger argument, never derived from TG_TABLE_NAME (on Citus the trigger fires on a
-- shard, projects_102008). The function is SECURITY INVOKER (a definer function may not run in a
-- BEFORE ROW trigger of an RLS table), so every role that may change a status reads the table.
-- On Citus the table is a reference table (a copy on every node, read locally by the shards'
-- triggers); without the citus extension that step does nothing.

begin;

set local lock_timeout = '5s';

create table base.status_transitions (
  machine     text not null,
  from_status text not null,
  to_status   text not null,
  constraint status_transitions_pkey primary key (machine, from_status, to_status),
  constraint status_transitions_machine_check
    check (length(machine) <= 190 and machine ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  constraint status_transitions_from_status_check check (length(from_status) between 1 and 64),
  constraint status_transitions_to_status_check check (length(to_status) between 1 and 64 and to_status <> from_status)
);

comment on table base.status_transitions is
  'The status machines of the package as data: one row per allowed transition. internal.tg__check_status_transition() refuses any other change of a machine''s column (55000); a state that is never a from_status is final. Global (not tenant-owned), read-only for API roles; each module''s <module>/status_machine change writes its rows.';
comment on column base.status_transitions.machine is
  'The machine: ''<schema>.<table>.<column>'' of the status column it governs (projects.projects.status).';
comment on column base.status_transitions.from_status is 'The state the row is in.';
comment on column base.status_transitions.to_status is 'A state it may move to next (never the same state).';

alter table base.status_transitions enable row level security;

create policy select_authenticated on base.status_transitions
  for select to authenticated using (true);
comment on policy select_authenticated on base.status_transitions is
  'Every signed-in user reads the machines (UIs show the next states; the transition trigger runs as the caller).';

create policy all_service_role on base.status_transitions
  for all to service_role using (true) with check (true);
comment on policy all_service_role on base.status_transitions is
  'Trusted services read the machines; SELECT is their only grant (the data changes only by deploy).';

grant select on base.status_transitions to authenticated, service_role;

create function internal.tg__check_status_transition()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
-- tg_argv[0]: the machine, '<schema>.<table>.<column>'; tg_argv[1]: the status column.
declare
  v_from    text;
  v_to      text;
  v_allowed text;
begin
  if tg_argv[1] = 'status' then
    v_from := old.status;
    v_to := new.status;
  else
    execute pg_catalog.format('select ($1).%1$I::text, ($2).%1$I::text', tg_argv[1])
       into v_from, v_to using old, new;
  end if;
  -- No change, or NULL (the NOT NULL constraint speaks for it).
  if v_to is null or v_from is not distinct from v_to then
    return new;
  end if;
  perform from base.status_transitions as t
   where t.machine = tg_argv[0] and t.from_status = v_from and t.to_status = v_to;
  if not found then
    select pg_catalog.string_agg(t.to_status, ', ' order by t.to_status) into v_allowed
      from base.status_transitions as t
     where t.machine = tg_argv[0] and t.from_status = v_from;
    raise exception 'invalid status transition for %: "%" -> "%"', tg_argv[0], v_from, v_to
      using errcode = '55000',
            detail = pg_catalog.format('allowed from "%s": %s', v_from, coalesce(v_allowed, 'none (final state)')),
            hint = pg_catalog.format('The allowed transitions are the rows of base.status_transitions where machine = %L.', tg_argv[0]);
  end if;
  return new;
end
$$;

comment on function internal.tg__check_status_transition() is
  'Trigger of every status machine (BEFORE UPDATE OF <column> ... WHEN the column changes; AFTER on tasks.tasks): refuses a change of the column that base.status_transitions does not list for the machine, with 55000 invalid status transition for <machine>: "<from>" -> "<to>" and DETAIL allowed from "<from>": <targets>. Arguments: the machine (''<schema>.<table>.<column>''), the column. SECURITY INVOKER: the caller reads base.status_transitions.';
revoke execute on function internal.tg__check_status_transition() from public;

-- Citus: a reference table (a copy on every node), read by the shards' triggers on the workers.
do $$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'citus') then
    perform pg_catalog.create_reference_table('base.status_transitions'::regclass);
    execute 'alter function internal.tg__check_status_transition() set citus.allow_nested_distributed_execution = on';
  end if;
end
$$;

commit;
