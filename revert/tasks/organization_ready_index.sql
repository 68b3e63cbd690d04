-- Revert platform:tasks/organization_ready_index from pg

begin;

drop index tasks.tasks_organization_id_claim_idx;

commit;
