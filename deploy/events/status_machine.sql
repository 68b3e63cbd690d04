-- Deploy platform:events/status_machine to pg
-- Event and delivery statuses become rows of base.status_transitions (machines
-- events.events.status and events.event_deliveries.status), enforced by the package's one
-- transition trigger (base/status_machines) with its one 55000 message, instead of
-- events.tg__check_status_transition() and its 'from:to1|to2' arguments (the function is dropped by the rework of
-- events/check_status_transition).

begin;

set local lock_timeout = '5s';
-- Citus: triggers on distributed tables (a placeholder setting where Citus is absent).
set local citus.enable_unsafe_triggers = on;
-- Citus: function DDL after trigger DDL on distributed tables needs sequential shard commands.
set local citus.multi_shard_modify_mode = 'sequential';

insert into base.status_transitions (machine, from_status, to_status) values
  ('events.events.status', 'pending', 'processed'),
  ('events.events.status', 'pending', 'failed'),
  ('events.events.status', 'failed',  'pending'),
  ('events.events.status', 'failed',  'processed'),
  ('events.event_deliveries.status', 'pending',     'leased'),
  ('events.event_deliveries.status', 'pending',     'dead_letter'),
  ('events.event_deliveries.status', 'leased',      'succeeded'),
  ('events.event_deliveries.status', 'leased',      'pending'),
  ('events.event_deliveries.status', 'leased',      'dead_letter'),
  ('events.event_deliveries.status', 'succeeded',   'pending'),
  ('events.event_deliveries.status', 'dead_letter', 'pending');

drop trigger _200_check_status_transition on events.events;
drop trigger _200_check_status_transition on events.event_deliveries;

create trigger _000_check_status_transition
  before update of status on events.events
  for each row when (old.status is distinct from new.status)
  execute function internal.tg__check_status_transition('events.events.status', 'status');

create trigger _000_check_status_transition
  before update of status on events.event_deliveries
  for each row when (old.status is distinct from new.status)
  execute function internal.tg__check_status_transition('events.event_deliveries.status', 'status');

-- Replaced by base.status_transitions: a breaking change, listed in the CHANGELOG.

commit;
