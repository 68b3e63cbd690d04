-- Verify platform:base/current_user_id on pg

begin;

select 1 / (base.current_user_id() is null)::int;
select 1 / (base.current_user_email() is null)::int;

do $$
begin
  perform set_config('request.jwt.claims',
                     '{"sub": "018f0000-0000-7000-8000-000000000001", "email": "someone@example.test"}', true);
  if base.current_user_id() is distinct from '018f0000-0000-7000-8000-000000000001'::uuid then
    raise exception 'base.current_user_id() does not read request.jwt.claims';
  end if;
  if base.current_user_email() is distinct from 'someone@example.test' then
    raise exception 'base.current_user_email() does not read the email claim of request.jwt.claims';
  end if;
end
$$;

rollback;
