-- Deploy platform:prompts/not_found_checks_on_citus to pg
-- The not-found checks of render_prompt, pick_variation and start_execution select a constant:
-- `exists (select 1 from ...)` instead of `exists (select from ...)`. The check looks a template or
-- experiment up by id alone, so on Citus it reads every shard, and Citus cannot read back a
-- subquery result without columns: 42601 "a column definition list is required for functions
-- returning record". An unknown template or experiment, another tenant's, or a template without an
-- active version raised that 42601 instead of P0002 or 55000, and pick_variation raised it for an
-- experiment without an active arm instead of returning NULL. On one node the two forms are the
-- same plan.

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function prompts.render_prompt(template_id uuid, variables jsonb DEFAULT '{}'::jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_version prompts.prompt_template_versions;
begin
  select * into v_version
    from prompts.prompt_template_versions as v
   where v.template_id = render_prompt.template_id and v.is_active;
  if not found then
    if not exists (select 1 from prompts.prompt_templates as t where t.id = render_prompt.template_id) then
      raise exception 'prompt template % not found', render_prompt.template_id
        using errcode = 'P0002';
    end if;
    raise exception 'prompt template % has no active version', render_prompt.template_id
      using errcode = '55000', hint = 'Activate a version (is_active = true) or insert a new one.';
  end if;
  return prompts.render_template_text(v_version.template_text, v_version.variables, render_prompt.variables);
end
$function$;

create or replace function prompts.pick_variation(experiment_id uuid, subject_key text)
returns uuid
language plpgsql
set search_path = pg_catalog, pg_temp
as $function$
declare
  v_choice uuid;
begin
  if pick_variation.subject_key is null or length(pick_variation.subject_key) = 0 then
    raise exception 'pick_variation needs a non-empty subject_key'
      using errcode = '22023', hint = 'Use a stable key of the subject: a user id, a repository id...';
  end if;

  with active as (
    select v.id,
           sum(v.weight) over (order by v.id) as upper_bound,
           sum(v.weight) over ()              as total_weight
      from prompts.prompt_variations as v
     where v.experiment_id = pick_variation.experiment_id
       and v.weight > 0
       and v.starts_at <= now()
       and (v.ends_at is null or v.ends_at > now())
  )
  select a.id into v_choice
    from active as a
   where prompts.subject_hash(pick_variation.experiment_id, pick_variation.subject_key)::numeric * a.total_weight
         < a.upper_bound::numeric * 1152921504606846976  -- h * total / 2^60 < upper, without division
   order by a.upper_bound
   limit 1;

  if v_choice is null
     and not exists (select 1 from prompts.prompt_experiments as e where e.id = pick_variation.experiment_id) then
    raise exception 'prompt experiment % not found', pick_variation.experiment_id
      using errcode = 'P0002';
  end if;
  return v_choice;
end
$function$;

create or replace function prompts.start_execution(template_id uuid, variables jsonb DEFAULT '{}'::jsonb, experiment_id uuid DEFAULT NULL::uuid, subject_key text DEFAULT NULL::text, task_id uuid DEFAULT NULL::uuid)
returns prompts.prompt_executions
language plpgsql
set search_path = pg_catalog, pg_temp
as $function$
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
      if not exists (select 1 from prompts.prompt_templates as t where t.id = start_execution.template_id) then
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
$function$;

commit;
