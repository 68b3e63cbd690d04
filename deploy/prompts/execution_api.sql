-- Deploy platform:prompts/execution_api to pg
-- The two calls a worker makes around a model call, so that the choice of version (A/B
-- variation or active version), the rendering and the bookkeeping happen in one place:
--   start_execution(...)  -> picks the version, renders it, records a running execution
--   finish_execution(...) -> records the outcome; the trigger computes completed_at and cost
-- Both run with the caller's rights: RLS decides which templates and executions they reach.

begin;

create function prompts.start_execution(
  template_id    uuid,
  variables      jsonb default '{}',
  experiment_id  uuid  default null,
  subject_key    text  default null,
  task_id        uuid  default null)
returns prompts.prompt_executions
language plpgsql
volatile
as $$
declare
  v_experiment prompts.prompt_experiments;
  v_variation  prompts.prompt_variations;
  v_variation_id uuid;
  v_version    prompts.prompt_template_versions;
  v_row        prompts.prompt_executions;
begin
  if start_execution.experiment_id is not null then
    select * into v_experiment from prompts.prompt_experiments as e where e.id = start_execution.experiment_id;
    if not found then
      raise exception 'prompt experiment % not found', start_execution.experiment_id using errcode = 'P0002';
    end if;
    if v_experiment.template_id <> start_execution.template_id then
      raise exception 'prompt experiment % tests template %, not %', v_experiment.id, v_experiment.template_id,
                      start_execution.template_id
        using errcode = '22023';
    end if;
    v_variation_id := prompts.pick_variation(v_experiment.id, start_execution.subject_key);
    if v_variation_id is not null then
      select * into v_variation
        from prompts.prompt_variations as pv
       where pv.organization_id = v_experiment.organization_id and pv.id = v_variation_id;
    end if;
  end if;

  if v_variation.id is not null then
    select * into v_version
      from prompts.prompt_template_versions as v
     where v.organization_id = v_variation.organization_id and v.id = v_variation.template_version_id;
  else
    select * into v_version
      from prompts.prompt_template_versions as v
     where v.template_id = start_execution.template_id and v.is_active;
    if not found then
      if not exists (select from prompts.prompt_templates as t where t.id = start_execution.template_id) then
        raise exception 'prompt template % not found', start_execution.template_id using errcode = 'P0002';
      end if;
      raise exception 'prompt template % has no active version', start_execution.template_id
        using errcode = '55000', hint = 'Activate a version (is_active = true) or insert a new one.';
    end if;
  end if;

  insert into prompts.prompt_executions
    (organization_id, template_id, template_version_id, variation_id, task_id, subject_key, model, rendered_prompt)
  values
    (v_version.organization_id, v_version.template_id, v_version.id, v_variation.id, start_execution.task_id,
     start_execution.subject_key, v_version.model,
     prompts.render_template_text(v_version.template_text, v_version.variables, start_execution.variables))
  returning * into v_row;
  return v_row;
end
$$;
comment on function prompts.start_execution(uuid, jsonb, uuid, text, uuid) is
  'Records a running execution of a template: the variation pick_variation(experiment_id, subject_key) chooses when an experiment is given and has an active variation, the active version otherwise; the prompt rendered with variables (22023 as render_prompt). Returns the new row. P0002 for an unknown template or experiment, 22023 for an experiment of another template, 55000 without an active version.';

create function prompts.finish_execution(
  execution_id   uuid,
  status         text,
  input_tokens   integer,
  output_tokens  integer,
  latency_ms     integer,
  error_message  text  default null,
  metadata       jsonb default null)
returns prompts.prompt_executions
language plpgsql
volatile
as $$
declare
  v_row prompts.prompt_executions;
begin
  if finish_execution.status is null or finish_execution.status not in ('succeeded', 'failed', 'timed_out', 'cancelled') then
    raise exception 'an execution finishes as succeeded, failed, timed_out or cancelled, not %',
                    coalesce(finish_execution.status, 'NULL')
      using errcode = '22023';
  end if;
  update prompts.prompt_executions as e
     set status        = finish_execution.status,
         input_tokens  = finish_execution.input_tokens,
         output_tokens = finish_execution.output_tokens,
         latency_ms    = finish_execution.latency_ms,
         error_message = finish_execution.error_message,
         metadata      = coalesce(finish_execution.metadata, e.metadata)
   where e.id = finish_execution.execution_id
  returning * into v_row;
  if not found then
    raise exception 'prompt execution % not found', finish_execution.execution_id using errcode = 'P0002';
  end if;
  return v_row;
end
$$;
comment on function prompts.finish_execution(uuid, text, integer, integer, integer, text, jsonb) is
  'Records the outcome of a running execution (succeeded, failed, timed_out or cancelled) with its tokens and latency; the database sets completed_at and computes cost_usd. 22023 for another status, P0002 for an unknown execution, 55000 when it is already final.';

revoke execute on function prompts.start_execution(uuid, jsonb, uuid, text, uuid) from public;
revoke execute on function prompts.finish_execution(uuid, text, integer, integer, integer, text, jsonb) from public;
grant execute on function prompts.start_execution(uuid, jsonb, uuid, text, uuid) to authenticated, service_role;
grant execute on function prompts.finish_execution(uuid, text, integer, integer, integer, text, jsonb) to authenticated, service_role;

commit;
