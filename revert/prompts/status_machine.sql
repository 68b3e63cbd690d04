-- Revert platform:prompts/status_machine from pg
-- Restores the inline status rule of prompts.tg_prompt_executions__compute(), as
-- base/pin_search_path left it.

begin;

set local lock_timeout = '5s';
set local citus.enable_unsafe_triggers = on;
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION prompts.tg_prompt_executions__compute()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$

;

comment on function prompts.tg_prompt_executions__compute() is
  'BEFORE INSERT OR UPDATE on prompt_executions: model default from the version (23503 when the version is not in the organization), prompt_hash from rendered_prompt, status rules (55000 once final, 55000 when what ran changes), completed_at, and cost_usd from prompts.execution_cost() (55000 without a price).';

drop trigger _000_check_status_transition on prompts.prompt_executions;

delete from base.status_transitions where machine = 'prompts.prompt_executions.status';

commit;
