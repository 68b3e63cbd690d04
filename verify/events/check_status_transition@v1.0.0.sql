-- Verify platform:events/check_status_transition on pg

begin;

select 'events.tg__check_status_transition()'::regprocedure;

rollback;
