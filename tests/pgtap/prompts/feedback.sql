-- Feedback: one per user per execution, a 1-5 rating or a thumb, linked to an execution of the
-- same organization, written in one's own name.
begin;
select plan(22);

insert into prompts.models (name, provider, context_window, max_output_tokens) values ('test-model', 'test', 100000, 4096);
insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) values ('test-model', '2000-01-01', 1, 2);

select organization_id as org, member_id as member, admin_id as admin, viewer_id as viewer, owner_id as owner
  from tests.create_tenant('feedback-a') \gset
select organization_id as other_org, member_id as other_member from tests.create_tenant('feedback-b') \gset

select tests.authenticate_as(:'member');
insert into prompts.prompt_templates (organization_id, name) values (:'org', 'T') returning id as tpl \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'org', :'tpl', 'x', 'test-model') returning id as ver \gset
select (prompts.start_execution(:'tpl')).id as exec \gset

select tests.authenticate_as(:'other_member');
insert into prompts.prompt_templates (organization_id, name) values (:'other_org', 'T') returning id as other_tpl \gset
insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model)
values (:'other_org', :'other_tpl', 'y', 'test-model');
select (prompts.start_execution(:'other_tpl')).id as other_exec \gset

-- One per user per execution ------------------------------------------------------------------------
select tests.authenticate_as(:'member');
insert into prompts.prompt_feedback (organization_id, execution_id, rating, comment)
values (:'org', :'exec', 4, 'good, a bit long') returning id as fb, user_id as fb_user, template_version_id as fb_version \gset
select is(:'fb_user'::uuid, :'member'::uuid, 'feedback is given in the caller''s name');
select is(:'fb_version'::uuid, :'ver'::uuid, 'the execution''s version is copied onto the feedback');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, thumbs_up) values (%L, %L, true)', :'org', :'exec'),
                 '23505', 'duplicate key value violates unique constraint "prompt_feedback_organization_id_execution_id_user_id_key"',
                 'a user gives one feedback per execution');
select lives_ok(format('update prompts.prompt_feedback set rating = 5, comment = %L where id = %L', 'actually great', :'fb'),
                'the author changes their rating instead');
select is((select rating::int from prompts.prompt_feedback where id = :'fb'), 5, 'the rating changed');

select tests.authenticate_as(:'admin');
select lives_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, thumbs_up) values (%L, %L, false)', :'org', :'exec'),
                'another user gives their own feedback on the same execution');
select is((select count(*)::int from prompts.prompt_feedback where execution_id = :'exec'), 2, 'two users, two feedbacks');

-- Scales ------------------------------------------------------------------------------------------------
select tests.authenticate_as(:'owner');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating) values (%L, %L, 0)', :'org', :'exec'),
                 '23514', 'new row for relation "prompt_feedback" violates check constraint "prompt_feedback_rating_check"',
                 'a rating is at least 1');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating) values (%L, %L, 6)', :'org', :'exec'),
                 '23514', 'new row for relation "prompt_feedback" violates check constraint "prompt_feedback_rating_check"',
                 'a rating is at most 5');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating, thumbs_up) values (%L, %L, 3, true)', :'org', :'exec'),
                 '23514', 'new row for relation "prompt_feedback" violates check constraint "prompt_feedback_rating_thumbs_up_check"',
                 'a feedback is a rating or a thumb, not both');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, comment) values (%L, %L, %L)', :'org', :'exec', 'meh'),
                 '23514', 'new row for relation "prompt_feedback" violates check constraint "prompt_feedback_rating_thumbs_up_check"',
                 'a comment alone is not a feedback');

-- Linked to an execution of the same organization ----------------------------------------------------
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating) values (%L, %L, 3)', :'org', '00000000-0000-7000-8000-000000000000'),
                 '23503', format('prompt execution 00000000-0000-7000-8000-000000000000 not found in organization %s', :'org'),
                 'feedback on an unknown execution is refused');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating) values (%L, %L, 3)', :'org', :'other_exec'),
                 '23503', format('prompt execution %s not found in organization %s', :'other_exec', :'org'),
                 'feedback cannot point at another organization''s execution');
-- Written into another organization: its execution is not found, exactly as an id that exists
-- nowhere (the trigger reads as the caller, before RLS), so the answer reveals nothing of it.
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating) values (%L, %L, 3)', :'other_org', :'other_exec'),
                 '23503', format('prompt execution %s not found in organization %s', :'other_exec', :'other_org'),
                 'nor be written into another organization, which answers as if the execution did not exist');

-- Who may -----------------------------------------------------------------------------------------------
select tests.authenticate_as(:'viewer');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, rating) values (%L, %L, 3)', :'org', :'exec'),
                 '42501', 'new row violates row-level security policy for table "prompt_feedback"',
                 'viewers read feedback but do not give it');
select is((select count(*)::int from prompts.prompt_feedback), 2, 'viewers read their organization''s feedback');
select tests.authenticate_as(:'member');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating) values (%L, %L, %L, 1)', :'org', :'exec', :'admin'),
                 '42501', 'permission denied for table prompt_feedback', 'nobody writes feedback in someone else''s name');
update prompts.prompt_feedback set rating = 1 where user_id = :'admin';
select is((select thumbs_up from prompts.prompt_feedback where user_id = :'admin'), false, 'nobody edits someone else''s feedback');
delete from prompts.prompt_feedback where user_id = :'admin';
select is((select count(*)::int from prompts.prompt_feedback), 2, 'a member cannot delete someone else''s feedback');
select tests.authenticate_as(:'admin');
delete from prompts.prompt_feedback where user_id = :'member';
select is((select count(*)::int from prompts.prompt_feedback), 1, 'an admin moderates (deletes) any feedback of the organization');

-- Trusted services record feedback for a user; the version is still taken from the execution.
select tests.authenticate_as_service_role();
insert into prompts.prompt_feedback (organization_id, execution_id, template_id, template_version_id, user_id, rating)
values (:'org', :'exec', :'tpl', '00000000-0000-7000-8000-000000000000', :'member', 2) returning template_version_id as sv \gset
select is(:'sv'::uuid, :'ver'::uuid, 'the version sent is replaced by the execution''s');
select throws_ok(format('insert into prompts.prompt_feedback (organization_id, execution_id, user_id, rating) values (%L, %L, %L, 2)', :'org', :'exec', :'member'),
                 '23505', 'duplicate key value violates unique constraint "prompt_feedback_organization_id_execution_id_user_id_key"',
                 'the uniqueness holds for the service role too');

select * from finish();
rollback;
