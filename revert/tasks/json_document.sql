-- Revert platform:tasks/json_document from pg

begin;

drop domain tasks.json_document;

commit;
