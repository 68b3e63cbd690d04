-- Deploy platform:prompts/prompt_executions to pg
-- One row per call to a language model: which template version (and variation) ran, the
-- rendered prompt or only its hash, the model, tokens, cost, latency, status and error, and the
-- calling task.
--   * Append-heavy, so range-partitioned by month on started_at (base.partition_config keeps 3
--     months ahead and drops partitions older than 13 months); the primary key includes
--     started_at as partitioning requires.
--   * Cost is never typed in: a BEFORE trigger computes cost_usd from the tokens and the price
--     in effect at started_at (prompts.execution_cost: the organization's price, else the
--     catalog's) on every insert and update, overwriting whatever was sent; users are not even
--     granted the column. A later price change does not rewrite past costs.
--   * Status: running -> succeeded | failed | timed_out | cancelled; a finished execution is
--     final (55000), and what ran (template, version, variation, model, prompt) never changes.
--   * task_id is a soft reference to tasks.tasks (uuid, no foreign key): the tasks module moves
--     finished tasks out of its hot table, and a foreign key would block that.
--   * Feedback (prompts.prompt_feedback) refers to executions softly too, so retention can drop
--     old partitions: a foreign key into a partition makes DETACH PARTITION fail while any
--     feedback row still points at it.

-- Naming: constraint and index names that would pass PostgreSQL's 63-byte limit leave out the
-- leading organization_id (e.g. <table>_template_version_id_fkey for the composite key).
begin;

create table prompts.prompt_executions (
  organization_id      uuid          not null,
  id                   uuid          not null default base.uuid_generate_v7(),
  started_at           timestamptz   not null default now(),
  template_id          uuid          not null,
  template_version_id  uuid          not null,
  variation_id         uuid,
  task_id              uuid,
  subject_key          text,
  model                text          not null,
  rendered_prompt      text,
  prompt_hash          bytea         not null,
  input_tokens         integer       not null default 0,
  output_tokens        integer       not null default 0,
  cost_usd             numeric(16,8) not null default 0,
  latency_ms           integer,
  status               text          not null default 'running',
  error_message        text,
  metadata             jsonb         not null default '{}',
  completed_at         timestamptz,
  constraint prompt_executions_pkey primary key (organization_id, id, started_at),
  constraint prompt_executions_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  -- NO ACTION (checked at the end of the statement), so deleting a whole organization, which
  -- cascades to both sides, works; deleting a template with executions does not.
  constraint prompt_executions_template_version_id_fkey
    foreign key (organization_id, template_id, template_version_id)
    references prompts.prompt_template_versions (organization_id, template_id, id) on delete no action,
  constraint prompt_executions_variation_id_fkey
    foreign key (organization_id, variation_id, template_version_id)
    references prompts.prompt_variations (organization_id, id, template_version_id) on delete no action,
  constraint prompt_executions_model_fkey foreign key (model)
    references prompts.models (name) on delete no action,
  constraint prompt_executions_subject_key_check check (length(subject_key) between 1 and 200),
  constraint prompt_executions_rendered_prompt_check check (length(rendered_prompt) <= 1000000),
  constraint prompt_executions_prompt_hash_check check (octet_length(prompt_hash) = 32),
  constraint prompt_executions_input_tokens_check check (input_tokens >= 0),
  constraint prompt_executions_output_tokens_check check (output_tokens >= 0),
  constraint prompt_executions_cost_usd_check check (cost_usd >= 0),
  constraint prompt_executions_latency_ms_check
    check (case when latency_ms is null then status <> 'succeeded' else latency_ms between 0 and 86400000 end),
  constraint prompt_executions_status_check
    check (status in ('running', 'succeeded', 'failed', 'timed_out', 'cancelled')),
  constraint prompt_executions_error_message_check
    check (case when status = 'failed' then error_message is not null and length(error_message) between 1 and 4000
                when status in ('timed_out', 'cancelled') then error_message is null or length(error_message) <= 4000
                else error_message is null end),
  constraint prompt_executions_metadata_check
    check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 16384),
  constraint prompt_executions_completed_at_check
    check (case when status = 'running' then completed_at is null else completed_at is not null and completed_at >= started_at end)
) partition by range (started_at);

create index prompt_executions_template_version_id_idx
  on prompts.prompt_executions (organization_id, template_id, template_version_id, started_at);
create index prompt_executions_variation_id_idx
  on prompts.prompt_executions (organization_id, variation_id, template_version_id) where variation_id is not null;
create index prompt_executions_model_idx on prompts.prompt_executions (model, started_at);
create index prompt_executions_organization_id_task_id_idx
  on prompts.prompt_executions (organization_id, task_id) where task_id is not null;
-- finish_execution(execution_id) and workers update by bare id.
create index prompt_executions_id_idx on prompts.prompt_executions (id);

comment on table prompts.prompt_executions is
  'Calls to language models: template version, variation, prompt (or its sha256), model, tokens, cost computed from the price tables, latency, status, error, calling task. Monthly partitions on started_at.';
comment on column prompts.prompt_executions.started_at is 'When the call started; the partition key, and the instant whose price applies.';
comment on column prompts.prompt_executions.variation_id is 'The A/B variation that chose this version, if any; runs exactly the variation''s version (composite foreign key).';
comment on column prompts.prompt_executions.task_id is 'Soft reference to tasks.tasks (no foreign key: the tasks module archives finished tasks).';
comment on column prompts.prompt_executions.subject_key is 'The subject the variation was picked for (pick_variation).';
comment on column prompts.prompt_executions.model is 'The model called; defaults to the version''s model.';
comment on column prompts.prompt_executions.rendered_prompt is 'The prompt as sent, when it may be stored; otherwise only prompt_hash is kept.';
comment on column prompts.prompt_executions.prompt_hash is 'sha256 of the rendered prompt (UTF-8). Computed when rendered_prompt is given; supplied by the caller otherwise.';
comment on column prompts.prompt_executions.cost_usd is 'Computed by the database (never typed in): tokens times the price in effect at started_at, USD.';
comment on column prompts.prompt_executions.latency_ms is 'Model call duration in milliseconds; required for succeeded executions.';
comment on column prompts.prompt_executions.status is 'running -> succeeded | failed | timed_out | cancelled; the last four are final.';
comment on column prompts.prompt_executions.error_message is 'Why it failed: required for failed, allowed for timed_out and cancelled, absent otherwise.';
comment on column prompts.prompt_executions.metadata is 'Provider details (request id, finish reason...); a JSON object of at most 16 KiB.';
comment on column prompts.prompt_executions.completed_at is 'When the execution reached a final status; set by the trigger when not given.';

do $$
begin
  perform base.register_partitioned_table('prompts.prompt_executions', 'month',
                                          p_premake => 3, p_retention => interval '13 months');
end
$$;

-- BEFORE INSERT OR UPDATE: defaults from the version, the prompt hash, the status rules and
-- the cost. Invoker rights are enough: the caller reads its own version, its organization's
-- prices and the public catalog.
create function prompts.tg_prompt_executions__compute()
returns trigger
language plpgsql
volatile
as $$
begin
  if tg_op = 'UPDATE' then
    if old.status <> 'running' then
      raise exception 'prompt execution % is % and final; allowed transitions: running -> succeeded, failed, timed_out, cancelled',
                      old.id, old.status
        using errcode = '55000';
    end if;
    if (new.organization_id, new.id, new.started_at, new.template_id, new.template_version_id, new.variation_id,
        new.task_id, new.subject_key, new.model, new.rendered_prompt, new.prompt_hash)
       is distinct from
       (old.organization_id, old.id, old.started_at, old.template_id, old.template_version_id, old.variation_id,
        old.task_id, old.subject_key, old.model, old.rendered_prompt, old.prompt_hash) then
      raise exception 'what prompt execution % ran cannot change: only status, tokens, latency, error, metadata and completed_at may', old.id
        using errcode = '55000';
    end if;
  else
    if new.model is null then
      select v.model into new.model
        from prompts.prompt_template_versions as v
       where v.organization_id = new.organization_id and v.id = new.template_version_id;
      if not found then
        raise exception 'prompt template version % not found in organization %', new.template_version_id, new.organization_id
          using errcode = '23503';
      end if;
    end if;
    if new.rendered_prompt is not null then
      new.prompt_hash := prompts.utf8_sha256(new.rendered_prompt);
    elsif new.prompt_hash is null then
      raise exception 'a prompt execution needs rendered_prompt or prompt_hash (sha256 of the prompt)'
        using errcode = '22023';
    end if;
  end if;

  if new.status <> 'running' and new.completed_at is null then
    new.completed_at := greatest(now(), new.started_at);
  end if;

  new.cost_usd := prompts.execution_cost(new.organization_id, new.model, new.started_at,
                                         new.input_tokens, new.output_tokens);
  return new;
end
$$;
comment on function prompts.tg_prompt_executions__compute() is
  'BEFORE INSERT OR UPDATE on prompt_executions: model default from the version (23503 when the version is not in the organization), prompt_hash from rendered_prompt, status rules (55000 once final, 55000 when what ran changes), completed_at, and cost_usd from prompts.execution_cost() (55000 without a price).';
revoke execute on function prompts.tg_prompt_executions__compute() from public;

create trigger _200_compute
  before insert or update on prompts.prompt_executions
  for each row execute function prompts.tg_prompt_executions__compute();

alter table prompts.prompt_executions enable row level security;

create policy select_viewer on prompts.prompt_executions
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on prompts.prompt_executions is 'Every member of the organization reads its executions.';

create policy insert_member on prompts.prompt_executions
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on prompts.prompt_executions is 'Members (and up) record executions.';

create policy update_member on prompts.prompt_executions
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on prompts.prompt_executions is 'Members (and up) finish running executions (the trigger keeps finished ones final).';

create policy all_service_role on prompts.prompt_executions
  for all to service_role using (true) with check (true);
comment on policy all_service_role on prompts.prompt_executions is 'Trusted workers record and finish every execution.';

-- No cost_usd in either list: the database computes it. No DELETE: history leaves by retention.
grant select on prompts.prompt_executions to authenticated;
grant insert (organization_id, id, started_at, template_id, template_version_id, variation_id, task_id, subject_key,
              model, rendered_prompt, prompt_hash, input_tokens, output_tokens, latency_ms, status,
              error_message, metadata, completed_at)
  on prompts.prompt_executions to authenticated;
grant update (input_tokens, output_tokens, latency_ms, status, error_message, metadata, completed_at)
  on prompts.prompt_executions to authenticated;
grant select, insert, update, delete on prompts.prompt_executions to service_role;

commit;
