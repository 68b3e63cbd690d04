-- Deploy platform:analytics/code_element_analysis to pg
-- Functions, classes, methods... of a run, as a hierarchy (module -> function, class -> method).
--
-- Two representations of the tree, each for what it does best:
--   * parent_id: a composite self-FK (organization_id, parent_id) -> (organization_id, id), the
--     plain adjacency list, cascade-deleted with its parent;
--   * path uuid[]: the ids from the root down to the element itself (a materialised path),
--     computed by trigger from the parent's path, with a GIN index. Then
--       subtree of X:  where organization_id = $1 and path @> array[X]       (GIN, one probe)
--       ancestry of X: where organization_id = $1 and id = any (X.path)       (primary key)
--     No recursive query and no extension (ltree) needed. depth = cardinality(path) - 1.
-- The hierarchy is immutable once written (results of a run), so paths never go stale; the
-- parent must belong to the same run; members of a type (method, constructor, property) need a
-- type for parent (class, interface, struct, enum, trait).

begin;

create table analytics.code_element_analysis (
  organization_id        uuid        not null,
  id                     uuid        not null default base.uuid_generate_v7(),
  run_id                 uuid        not null,
  parent_id              uuid,
  path                   uuid[]      not null,
  file_path              text        not null,
  kind                   text        not null,
  name                   text        not null,
  qualified_name         text        not null,
  start_line             integer     not null,
  end_line               integer     not null,
  cyclomatic_complexity  integer,
  cognitive_complexity   integer,
  parameters             jsonb       not null default '[]',
  parameter_count        integer     not null generated always as (jsonb_array_length(parameters)) stored,
  created_at             timestamptz not null default now(),
  constraint code_element_analysis_pkey primary key (organization_id, id),
  constraint code_element_analysis_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint code_element_analysis_organization_id_run_id_fkey foreign key (organization_id, run_id)
    references analytics.analysis_runs (organization_id, id) on delete cascade,
  constraint code_element_analysis_organization_id_parent_id_fkey foreign key (organization_id, parent_id)
    references analytics.code_element_analysis (organization_id, id) on delete cascade,
  constraint code_element_analysis_path_check check (cardinality(path) between 1 and 64 and path[cardinality(path)] = id),
  constraint code_element_analysis_file_path_check
    check (length(file_path) between 1 and 4096 and file_path !~ '^/' and file_path !~ '[[:cntrl:]]'),
  constraint code_element_analysis_kind_check
    check (kind in ('module', 'namespace', 'class', 'interface', 'struct', 'enum', 'trait',
                    'function', 'method', 'constructor', 'property', 'closure')),
  constraint code_element_analysis_name_check check (length(name) between 1 and 500),
  constraint code_element_analysis_qualified_name_check check (length(qualified_name) between 1 and 2000),
  constraint code_element_analysis_start_line_check check (start_line >= 1),
  constraint code_element_analysis_end_line_check check (end_line >= start_line),
  constraint code_element_analysis_cyclomatic_complexity_check check (cyclomatic_complexity >= 1),
  constraint code_element_analysis_cognitive_complexity_check check (cognitive_complexity >= 0),
  constraint code_element_analysis_parameters_check
    check (jsonb_typeof(parameters) = 'array' and pg_column_size(parameters) <= 16384)
);

-- A run's elements by name; also the index behind the run FK.
create index code_element_analysis_organization_id_run_id_idx
  on analytics.code_element_analysis (organization_id, run_id, qualified_name);
-- Children of an element; also the index behind the parent FK.
create index code_element_analysis_organization_id_parent_id_idx
  on analytics.code_element_analysis (organization_id, parent_id) where parent_id is not null;
-- Subtrees: path @> array[element id].
create index code_element_analysis_path_idx on analytics.code_element_analysis using gin (path);

comment on table analytics.code_element_analysis is
  'Functions, classes, methods... found by a run, as a tree (parent_id) with a materialised path (path) for subtree and ancestry queries: see analytics.element_subtree() and analytics.element_ancestors().';
comment on column analytics.code_element_analysis.parent_id is 'Enclosing element (same run); NULL for a top-level element.';
comment on column analytics.code_element_analysis.path is
  'Ids from the root to this element, inclusive (maintained by trigger). Subtree of X: path @> array[X] (GIN). Ancestors of X: id = any(X.path).';
comment on column analytics.code_element_analysis.kind is 'module, namespace, class, interface, struct, enum, trait, function, method, constructor, property or closure.';
comment on column analytics.code_element_analysis.qualified_name is 'Fully qualified name, e.g. billing.Invoice.total.';
comment on column analytics.code_element_analysis.start_line is 'First line of the element in file_path (1-based).';
comment on column analytics.code_element_analysis.cyclomatic_complexity is 'McCabe complexity (>= 1).';
comment on column analytics.code_element_analysis.cognitive_complexity is 'Cognitive complexity (>= 0).';
comment on column analytics.code_element_analysis.parameters is 'Parameters as a JSON array, e.g. [{"name": "amount", "type": "Decimal"}].';
comment on column analytics.code_element_analysis.parameter_count is 'Number of parameters (generated from parameters).';

-- The path, the same-run rule and the kind rule. The parent must already exist (insert a tree
-- level by level, as analytics.record_analysis_run does).
-- SECURITY INVOKER: a BEFORE ROW trigger runs before the row's RLS check, so it looks for the
-- parent as the caller, under RLS. A parent the caller may not read (another organization's) is
-- "not found" exactly like one that does not exist, and no message ever quotes a row the caller
-- cannot read. (A definer version answered a row naming another organization and one of its
-- elements with 23514 quoting that element's qualified_name.) service_role and the definer
-- analytics.record_analysis_run see every parent.
create function internal.tg_code_element_analysis__set_path()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_parent analytics.code_element_analysis;
begin
  if tg_op = 'UPDATE' then
    raise exception 'the hierarchy of code element % is immutable', old.id
      using errcode = '55000', hint = 'Code elements are results of a run: record a new run instead.';
  end if;

  if new.parent_id is null then
    new.path := array[new.id];
    return new;
  end if;

  select e.* into v_parent
    from analytics.code_element_analysis as e
   where e.organization_id = new.organization_id and e.id = new.parent_id;
  if not found then
    raise exception 'parent element % of % not found', new.parent_id, new.qualified_name
      using errcode = '23503', hint = 'Insert parents before their children (one tree level per statement).';
  end if;
  if v_parent.run_id <> new.run_id then
    raise exception 'code element % and its parent % belong to different runs', new.qualified_name, v_parent.qualified_name
      using errcode = '23514';
  end if;
  if new.kind in ('method', 'constructor', 'property')
     and v_parent.kind not in ('class', 'interface', 'struct', 'enum', 'trait') then
    raise exception 'a % (%) must belong to a class, interface, struct, enum or trait, not to a %',
                    new.kind, new.qualified_name, v_parent.kind
      using errcode = '23514';
  end if;
  new.path := v_parent.path || new.id;
  return new;
end
$$;

comment on function internal.tg_code_element_analysis__set_path() is
  'BEFORE INSERT/UPDATE OF parent_id, path on code_element_analysis: computes path from the parent''s, requires the parent in the same run (23514) and a type parent for methods, constructors and properties (23514); the hierarchy is immutable (55000). SECURITY INVOKER: the parent is looked up under the caller''s RLS, so a parent of another organization is not found (23503) exactly like a missing one, and no error reveals another tenant''s data.';
revoke execute on function internal.tg_code_element_analysis__set_path() from public;

create trigger _200_set_path
  before insert or update of parent_id, path on analytics.code_element_analysis
  for each row execute function internal.tg_code_element_analysis__set_path();

create trigger _300_require_open_run
  after insert on analytics.code_element_analysis
  referencing new table as new_rows
  for each statement execute function internal.tg__require_open_run();

create function analytics.element_subtree(organization_id uuid, element_id uuid)
returns setof analytics.code_element_analysis
language sql
stable
as $$
  select e.*
    from analytics.code_element_analysis as e
   where e.organization_id = element_subtree.organization_id
     and e.path @> array[element_subtree.element_id]
   order by cardinality(e.path), e.start_line, e.id
$$;

comment on function analytics.element_subtree(uuid, uuid) is
  'The element and everything nested in it, parents before children (one GIN probe on path). Runs as the caller, under RLS.';
revoke execute on function analytics.element_subtree(uuid, uuid) from public;
grant execute on function analytics.element_subtree(uuid, uuid) to authenticated, service_role;

create function analytics.element_ancestors(organization_id uuid, element_id uuid)
returns setof analytics.code_element_analysis
language sql
stable
as $$
  select a.*
    from analytics.code_element_analysis as e
    join analytics.code_element_analysis as a
      on a.organization_id = e.organization_id and a.id = any (e.path) and a.id <> e.id
   where e.organization_id = element_ancestors.organization_id
     and e.id = element_ancestors.element_id
   order by cardinality(a.path)
$$;

comment on function analytics.element_ancestors(uuid, uuid) is
  'The elements enclosing the given one, from the root down (primary-key lookups of its path). Runs as the caller, under RLS.';
revoke execute on function analytics.element_ancestors(uuid, uuid) from public;
grant execute on function analytics.element_ancestors(uuid, uuid) to authenticated, service_role;

alter table analytics.code_element_analysis enable row level security;

create policy select_viewer on analytics.code_element_analysis
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on analytics.code_element_analysis is 'Every member of the organization reads code elements.';

create policy insert_member on analytics.code_element_analysis
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on analytics.code_element_analysis is 'Members (and CI acting as them) report code elements.';

create policy delete_admin on analytics.code_element_analysis
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on analytics.code_element_analysis is 'Only admins delete results.';

create policy all_service_role on analytics.code_element_analysis
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.code_element_analysis is 'Trusted services manage every element.';

grant select, delete on analytics.code_element_analysis to authenticated;
grant insert (organization_id, id, run_id, parent_id, file_path, kind, name, qualified_name, start_line,
              end_line, cyclomatic_complexity, cognitive_complexity, parameters)
  on analytics.code_element_analysis to authenticated;
grant select, insert, delete on analytics.code_element_analysis to service_role;

commit;
