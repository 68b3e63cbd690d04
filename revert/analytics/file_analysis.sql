-- Revert platform:analytics/file_analysis from pg

begin;

drop table analytics.file_analysis;
drop function internal.tg__require_open_run();

commit;
