-- Verify platform:events/replay_event on pg

begin;

select 'events.replay_event(uuid, uuid, uuid)'::regprocedure;

rollback;
