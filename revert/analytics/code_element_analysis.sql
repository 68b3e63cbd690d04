-- Revert platform:analytics/code_element_analysis from pg

begin;

drop function analytics.element_ancestors(uuid, uuid);
drop function analytics.element_subtree(uuid, uuid);
drop table analytics.code_element_analysis;
drop function internal.tg_code_element_analysis__set_path();

commit;
