-- Verify platform:monitoring/sessions on pg

begin;

select pid, usename, application_name, client_addr, state, wait_event_type, wait_event, xact_start,
       query_start, state_change, duration, duration_seconds, transaction_age, xmin_age, query,
       category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.long_running_queries
 where false;

select blocked_pid, blocked_user, blocked_query, locktype, lock_mode, relation, waitstart, wait_seconds,
       blocking_pids, root_blocker_pid, root_blocker_user, root_blocker_state,
       root_blocker_transaction_age, root_blocker_query,
       category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.lock_waits
 where false;

rollback;
