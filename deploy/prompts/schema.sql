-- Deploy platform:prompts/schema to pg
-- The prompts module: prompt templates and their immutable versions, rendering, executions with
-- database-computed cost, the context cache, feedback and A/B variations. Every object of the
-- module lives in this schema, its trigger functions (tg_<table>__<task>) included: they cannot
-- be called except by their triggers (PostgreSQL refuses a direct call), so keeping them here
-- exposes nothing, and schemas/04_prompts.sql then holds the whole module (objects in
-- `internal` are dumped into schemas/00_base.sql, which belongs to the base module).

begin;

create schema prompts;
comment on schema prompts is
  'Prompt templates (versioned, rendered by render_prompt), executions with cost from the model price catalog, cached context (get_context/put_context), feedback and A/B experiments.';
revoke all on schema prompts from public;
grant usage on schema prompts to authenticated, service_role;

commit;
