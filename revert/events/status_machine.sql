-- Revert platform:events/status_machine from pg
-- Restores the triggers of events.tg__check_status_transition() (re-created by the revert of the
-- events/check_status_transition rework).

begin;

set local lock_timeout = '5s';
set local citus.enable_unsafe_triggers = on;
set local citus.multi_shard_modify_mode = 'sequential';

drop trigger _000_check_status_transition on events.event_deliveries;
drop trigger _000_check_status_transition on events.events;

create trigger _200_check_status_transition
  before update of status on events.events
  for each row when (old.status is distinct from new.status)
  execute function events.tg__check_status_transition(
    'event', 'pending:processed|failed', 'failed:pending|processed');

create trigger _200_check_status_transition
  before update of status on events.event_deliveries
  for each row when (old.status is distinct from new.status)
  execute function events.tg__check_status_transition(
    'event delivery', 'pending:leased|dead_letter', 'leased:succeeded|pending|dead_letter',
    'succeeded:pending', 'dead_letter:pending');

delete from base.status_transitions where machine in ('events.events.status', 'events.event_deliveries.status');

commit;
