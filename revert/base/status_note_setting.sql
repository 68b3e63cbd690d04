-- Revert platform:base/status_note_setting from pg

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

drop function internal.set_status_note(text, text);

commit;
