-- Deploy platform:base/refuse_oversized to pg
-- Every text, JSON and array argument of every API function has a cap (hardening issue, item 12).
-- PL/pgSQL functions check their arguments with an IF. SQL functions, which the planner inlines
-- into the calling query and which cannot raise, write the cap as an expression:
--     (length(p_name) <= 200 or base.refuse_oversized('p_name', length(p_name), 200))
-- The left side is a cheap comparison; the right side runs only when the value is over the cap,
-- and raises 22023, so the expression is true or an error. It stays a plain expression, so the
-- function is still inlined, and constant folding stops at the first true operand of the OR.

begin;

create function base.refuse_oversized(p_argument text, p_size bigint, p_limit bigint)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception '% is too large: % (at most % allowed)', p_argument, p_size, p_limit
    using errcode = '22023',
          hint = 'Text is measured in characters, JSON in bytes (pg_column_size), arrays in elements.';
end
$$;
comment on function base.refuse_oversized(text, bigint, bigint) is
  'Raises 22023 naming an argument whose size is over its cap; never returns. Called by SQL functions as (size <= cap or base.refuse_oversized(name, size, cap)).';
revoke execute on function base.refuse_oversized(text, bigint, bigint) from public;
grant execute on function base.refuse_oversized(text, bigint, bigint) to authenticated, service_role;

commit;
