-- Deploy platform:prompts/status_machine to pg
-- Prompt execution statuses become rows of base.status_transitions (machine
-- prompts.prompt_executions.status), enforced by the package's one transition trigger
-- (base/status_machines) with its one 55000 message, instead of the inline raise in
-- prompts.tg_prompt_executions__compute(). That trigger keeps the rule that a final execution
-- (a state the machine leaves to nowhere) never changes, now read from the same data.

begin;

set local lock_timeout = '5s';
-- Citus: triggers on distributed tables (a placeholder setting where Citus is absent).
set local citus.enable_unsafe_triggers = on;
-- Citus: function DDL after trigger DDL on distributed tables needs sequential shard commands.
set local citus.multi_shard_modify_mode = 'sequential';

insert into base.status_transitions (machine, from_status, to_status) values
  ('prompts.prompt_executions.status', 'running', 'succeeded'),
  ('prompts.prompt_executions.status', 'running', 'failed'),
  ('prompts.prompt_executions.status', 'running', 'timed_out'),
  ('prompts.prompt_executions.status', 'running', 'cancelled');

create trigger _000_check_status_transition
  before update of status on prompts.prompt_executions
  for each row when (old.status is distinct from new.status)
  execute function internal.tg__check_status_transition('prompts.prompt_executions.status', 'status');

CREATE OR REPLACE FUNCTION prompts.tg_prompt_executions__compute()
 RETURNS trigger
 LANGUAGE plpgsql
 VOLATILE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
  if tg_op = 'UPDATE' then
    -- A status change was checked by _000_check_status_transition; a row in a final state
    -- (one the machine leaves to nowhere) does not change at all.
    if not exists (select from base.status_transitions as t
                    where t.machine = 'prompts.prompt_executions.status' and t.from_status = old.status) then
      raise exception 'prompt execution % is % (a final state): it cannot change', old.id, old.status
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
$function$

;

comment on function prompts.tg_prompt_executions__compute() is
  'BEFORE INSERT OR UPDATE on prompt_executions: model default from the version (23503 when the version is not in the organization), prompt_hash from rendered_prompt, a final execution never changes (55000; status changes are checked against base.status_transitions by _000_check_status_transition), what ran never changes (55000), completed_at, and cost_usd from prompts.execution_cost() (55000 without a price).';

commit;
