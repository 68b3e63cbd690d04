-- Verify platform:base/current_user_id on pg

begin;

select 1 / (base.current_user_id() is null)::int;

do $$
begin
  perform set_config('request.jwt.claims', '{"sub": "018f0000-0000-7000-8000-000000000001"}', true);
  if base.current_user_id() is distinct from '018f0000-0000-7000-8000-000000000001'::uuid then
    raise exception 'base.current_user_id() does not read request.jwt.claims';
  end if;
end
$$;

rollback;
