-- Deploy platform:tasks/status_machine to pg
-- Task and workflow statuses become rows of base.status_transitions (machines tasks.tasks.status
-- and tasks.workflows.status), enforced by the package's one transition trigger
-- (base/status_machines) with its one 55000 message, instead of tasks.tg_tasks__check_status_transition()
-- and tasks.tg_workflows__check_status_transition() (dropped, the latter by the rework of
-- tasks/workflows).
-- A task ends (succeeded, failed, cancelled) by moving to task_history, not by a transition: those
-- are not states of tasks.tasks.status.

begin;

set local lock_timeout = '5s';
-- Citus: triggers on distributed tables (a placeholder setting where Citus is absent).
set local citus.enable_unsafe_triggers = on;
-- Citus: function DDL after trigger DDL on distributed tables needs sequential shard commands.
set local citus.multi_shard_modify_mode = 'sequential';

insert into base.status_transitions (machine, from_status, to_status) values
  ('tasks.tasks.status', 'blocked',   'pending'),
  ('tasks.tasks.status', 'blocked',   'scheduled'),
  ('tasks.tasks.status', 'scheduled', 'pending'),
  ('tasks.tasks.status', 'scheduled', 'blocked'),
  ('tasks.tasks.status', 'pending',   'running'),
  ('tasks.tasks.status', 'pending',   'blocked'),
  ('tasks.tasks.status', 'running',   'pending'),
  ('tasks.tasks.status', 'running',   'scheduled'),
  ('tasks.workflows.status', 'pending', 'running'),
  ('tasks.workflows.status', 'pending', 'succeeded'),
  ('tasks.workflows.status', 'pending', 'failed'),
  ('tasks.workflows.status', 'pending', 'cancelled'),
  ('tasks.workflows.status', 'running', 'succeeded'),
  ('tasks.workflows.status', 'running', 'failed'),
  ('tasks.workflows.status', 'running', 'cancelled');

drop trigger _200_check_status_transition on tasks.tasks;
drop trigger _200_check_status_transition on tasks.workflows;

-- The queue's one difference, for its hot path (every claim and retry changes a status):
--   * AFTER, not BEFORE: tasks.tasks has no BEFORE ROW trigger at all (PostgreSQL re-reads and
--     locks the old row for any, whatever its WHEN clause); an AFTER trigger raises all the same,
--     before the statement ends;
--   * its WHEN clause also lists the machine's rows ('from>to', in from, to order), so a legal
--     change runs no function at all (measured: the lookup in an AFTER trigger costs about 15 us
--     per changed row, a sixth of a batch claim). The function still decides from the table when
--     it fires; tests/pgtap/schema/status_machines.sql holds this list equal to the table's rows.
create trigger _000_check_status_transition
  after update of status on tasks.tasks
  for each row when (old.status is distinct from new.status
                     and old.status || '>' || new.status <> all ('{blocked>pending,blocked>scheduled,pending>blocked,pending>running,running>pending,running>scheduled,scheduled>blocked,scheduled>pending}'::text[]))
  execute function internal.tg__check_status_transition('tasks.tasks.status', 'status');

create trigger _000_check_status_transition
  before update of status on tasks.workflows
  for each row when (old.status is distinct from new.status)
  execute function internal.tg__check_status_transition('tasks.workflows.status', 'status');

-- Replaced by base.status_transitions: a breaking change, listed in the CHANGELOG.
-- squawk-ignore ban-drop-function
drop function tasks.tg_tasks__check_status_transition();
-- Replaced by base.status_transitions: a breaking change, listed in the CHANGELOG.

commit;
