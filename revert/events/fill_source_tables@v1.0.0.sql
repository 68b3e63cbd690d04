-- Revert platform:events/fill_source_tables from pg

begin;

drop function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]);
drop function events.deployment_fields(jsonb, text);
drop function events.slack_fields(jsonb);
drop function events.linear_fields(jsonb);
drop function events.github_fields(jsonb);

commit;
