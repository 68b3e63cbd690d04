-- Revert platform:events/replay_event from pg

begin;

drop function events.replay_event(uuid, uuid, uuid);

commit;
