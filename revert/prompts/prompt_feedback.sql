-- Revert platform:prompts/prompt_feedback from pg

begin;

drop table prompts.prompt_feedback;
drop function prompts.tg_prompt_feedback__link_execution();

commit;
