-- Deploy platform:prompts/pick_variation to pg
-- Deterministic weighted assignment of a subject (a user, a repository, a task: any stable key)
-- to a variation of an experiment.
--
--   h      = subject_hash(experiment_id, subject_key), uniform in [0, 2^60)
--   bucket = h * total_weight / 2^60 (exact numeric), uniform in [0, total weight of the
--            variations active now)
--   the variation whose cumulative weight range [lower, upper) holds the bucket wins,
--   variations taken in id order (UUIDv7: creation order).
--
-- Scaling instead of "h mod total" keeps assignments stable when weights change: each subject
-- sits at a fixed point of [0, 1), so pausing or shrinking the last variation moves only its own
-- subjects, and widening a range only takes subjects from its neighbour.
--
-- The hash is the first 60 bits of md5(experiment_id || ':' || subject_key): md5 is the same on
-- every PostgreSQL server and in every language, so an application or another shard computes the
-- same assignment (hashtextextended would do, but its values are an implementation detail).
-- Salting with the experiment id keeps a subject's assignments independent across experiments.
-- The same subject gets the same variation as long as the set of active variations and their
-- weights do not change.

begin;

create function prompts.subject_hash(p_experiment_id uuid, p_subject_key text)
returns bigint
language sql
immutable
strict
parallel safe
as $$
  select case when (length(p_subject_key) <= 1000 or base.refuse_oversized('p_subject_key', length(p_subject_key), 1000)) then ('x' || substr(md5(p_experiment_id::text || ':' || p_subject_key), 1, 15))::bit(60)::bigint end
$$;
comment on function prompts.subject_hash(uuid, text) is
  'Non-negative 60-bit hash of (experiment, subject): the first 15 hex digits of md5(experiment_id || '':'' || subject_key). pick_variation() scales it to [0, total weight).';

-- VOLATILE, although it only reads: the planner evaluates STABLE functions ahead of time to
-- estimate selectivity (WHERE v.id = pick_variation(...)), under the snapshot of the previous
-- statement when the query runs in a function; an experiment created by that previous
-- statement would then look unknown and the P0002 would fire at plan time.
create function prompts.pick_variation(experiment_id uuid, subject_key text)
returns uuid
language plpgsql
volatile
as $$
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
     and not exists (select from prompts.prompt_experiments as e where e.id = pick_variation.experiment_id) then
    raise exception 'prompt experiment % not found', pick_variation.experiment_id
      using errcode = 'P0002';
  end if;
  return v_choice;
end
$$;
comment on function prompts.pick_variation(uuid, text) is
  'The variation of an experiment for a subject: deterministic (subject_hash scaled to the total weight, cumulative weights in id order), distributed in proportion to the weights of the variations active now. NULL when no variation is active; P0002 for an unknown experiment; 22023 for an empty subject_key.';

revoke execute on function prompts.subject_hash(uuid, text) from public;
revoke execute on function prompts.pick_variation(uuid, text) from public;
grant execute on function prompts.subject_hash(uuid, text) to authenticated, service_role;
grant execute on function prompts.pick_variation(uuid, text) to authenticated, service_role;

commit;
