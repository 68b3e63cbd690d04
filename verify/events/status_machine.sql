-- Verify platform:events/status_machine on pg

begin;

select 1 / (count(*) = 4)::int from base.status_transitions where machine = 'events.events.status';
select 1 / (count(*) = 7)::int from base.status_transitions where machine = 'events.event_deliveries.status';

select 1 / (count(*) = 2)::int
  from pg_catalog.pg_trigger
 where tgrelid in ('events.events'::regclass, 'events.event_deliveries'::regclass)
   and tgname = '_000_check_status_transition'
   and tgfoid = 'internal.tg__check_status_transition()'::regprocedure;

rollback;
