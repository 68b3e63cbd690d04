"""Member-facing API paths through a Citus coordinator, as `authenticated` with a real JWT identity
(scripts/citus.sh test): the prompts module (templates and versions, rendering, variations,
executions and their cost, the context cache, search), project transitions, the default branch,
invitations, workflow cancellation and subscription matching.

Same rules as tests/citus/test_citus.py (read its docstring): identity with `act_as` (SET LOCAL
after citus.propagate_set_commands = 'local'); a transaction commits after a SECURITY DEFINER
function wrote a tenant's rows before the caller touches that shard again (docs/citus.md). Paths
that do not work on Citus yet are strict xfails carrying Citus' exact error.
"""
from __future__ import annotations

import json
import uuid
from decimal import Decimal

import psycopg
import pytest

from citus_helpers import act_as, connect, make_people, requires_citus

pytestmark = requires_citus




@pytest.fixture(scope="module")
def people():
    """Four users; alice and bob each own an organization (created through the API as the user);
    carol and dave have none (invitees)."""
    return make_people(("alice", "bob", "carol", "dave"), ("alice", "bob"), "m")


@pytest.fixture(scope="module")
def model():
    """A model of the global catalog with a list price (reference tables: written by the owner)."""
    name = f"citus-model-{uuid.uuid4().hex[:8]}"
    with connect(autocommit=True) as conn:
        conn.execute("insert into prompts.models (name, provider, context_window, max_output_tokens) "
                     "values (%s, 'test', 100000, 4096)", [name])
        conn.execute("insert into prompts.model_prices (model, effective_from, input_price_per_mtok, output_price_per_mtok) "
                     "values (%s, '2020-01-01', 3, 15)", [name])
    return name


def as_member(people, name="alice"):
    """A connection whose first transaction acts as the user (a context manager)."""
    conn = connect()
    act_as(conn, "authenticated", *people[name])
    return conn


# --- prompts ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def template(people, model):
    """A template with two versions, created by alice with plain INSERTs."""
    org = people["alice_org"]
    with as_member(people) as conn:
        tpl = conn.execute("insert into prompts.prompt_templates (organization_id, name, category, description) "
                           "values (%s, 'Code reviewer', 'review', 'Reviews a pull request for correctness') "
                           "returning id", [org]).fetchone()["id"]
        v1 = conn.execute("insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model) "
                          "values (%s, %s, 'Review {{repo}} ({{tone}})', %s::jsonb, %s) returning id, version, is_active",
                          [org, tpl, json.dumps([{"name": "repo", "type": "string"},
                                                 {"name": "tone", "type": "string", "required": False, "default": "neutral"}]),
                           model]).fetchone()
        conn.commit()
    with as_member(people) as conn:
        v2 = conn.execute("insert into prompts.prompt_template_versions (organization_id, template_id, template_text, variables, model) "
                          "values (%s, %s, 'Review {{repo}} carefully', %s::jsonb, %s) returning id, version, is_active",
                          [org, tpl, json.dumps([{"name": "repo", "type": "string"}]), model]).fetchone()
        conn.commit()
    return {"id": tpl, "v1": v1, "v2": v2}


def test_member_creates_a_template_and_versions(people, template):
    assert (template["v1"]["version"], template["v2"]["version"]) == (1, 2)
    with as_member(people) as conn:
        versions = conn.execute("select version, is_active from prompts.prompt_template_versions "
                                "where organization_id = %s and template_id = %s order by version",
                                [people["alice_org"], template["id"]]).fetchall()
        assert [(r["version"], r["is_active"]) for r in versions] == [(1, False), (2, True)]
        tpl = conn.execute("select active_version, active_version_id from prompts.prompt_templates "
                           "where organization_id = %s and id = %s", [people["alice_org"], template["id"]]).fetchone()
        assert (tpl["active_version"], tpl["active_version_id"]) == (2, template["v2"]["id"])
    with as_member(people, "bob") as conn:
        assert conn.execute("select count(*) as n from prompts.prompt_templates where id = %s",
                            [template["id"]]).fetchone()["n"] == 0


def test_render_prompt(people, template):
    with as_member(people) as conn:
        assert conn.execute("select prompts.render_prompt(%s, '{\"repo\": \"acme/api\"}') as t",
                            [template["id"]]).fetchone()["t"] == "Review acme/api carefully"
    with as_member(people) as conn, pytest.raises(psycopg.errors.InvalidParameterValue) as missing:
        conn.execute("select prompts.render_prompt(%s, '{}')", [template["id"]])
    assert str(missing.value).startswith('missing required variable "repo"'), str(missing.value)
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.NoDataFound) as foreign:
        conn.execute("select prompts.render_prompt(%s, '{\"repo\": \"x\"}')", [template["id"]])
    assert str(foreign.value).startswith(f"prompt template {template['id']} not found"), str(foreign.value)


def test_render_prompt_without_an_active_version(people, model):
    org = people["alice_org"]
    with as_member(people) as conn:
        tpl = conn.execute("insert into prompts.prompt_templates (organization_id, name) values (%s, 'Retired') returning id",
                           [org]).fetchone()["id"]
        conn.execute("insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model) "
                     "values (%s, %s, 'gone', %s)", [org, tpl, model])
        conn.commit()
    with as_member(people) as conn:
        conn.execute("update prompts.prompt_template_versions set is_active = false where organization_id = %s and template_id = %s",
                     [org, tpl])
        conn.commit()
    with as_member(people) as conn, pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as inactive:
        conn.execute("select prompts.render_prompt(%s, '{}')", [tpl])
    assert str(inactive.value).startswith(f"prompt template {tpl} has no active version"), str(inactive.value)


def test_render_template_version(people, template):
    with as_member(people) as conn:
        assert conn.execute("select prompts.render_template_version(%s, '{\"repo\": \"r\", \"tone\": \"dry\"}') as t",
                            [template["v1"]["id"]]).fetchone()["t"] == "Review r (dry)"
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.NoDataFound) as foreign:
        conn.execute("select prompts.render_template_version(%s, '{\"repo\": \"x\"}')", [template["v1"]["id"]])
    assert str(foreign.value).startswith(f"prompt template version {template['v1']['id']} not found"), str(foreign.value)


@pytest.fixture(scope="module")
def experiment(people, template):
    """An experiment on the template with two variations (v1 weight 50, v2 weight 50)."""
    org = people["alice_org"]
    with as_member(people) as conn:
        exp = conn.execute("insert into prompts.prompt_experiments (organization_id, template_id, name) "
                           "values (%s, %s, 'Tone') returning id", [org, template["id"]]).fetchone()["id"]
        variations = {}
        for name, version in (("control", template["v1"]["id"]), ("treatment", template["v2"]["id"])):
            variations[conn.execute(
                "insert into prompts.prompt_variations (organization_id, experiment_id, template_id, template_version_id, "
                "name, weight, starts_at) values (%s, %s, %s, %s, %s, 50, now() - interval '1 day') returning id",
                [org, exp, template["id"], version, name]).fetchone()["id"]] = version
        conn.commit()
    return {"id": exp, "variations": variations}


def test_pick_variation(people, template, experiment):
    with as_member(people) as conn:
        picks = [conn.execute("select prompts.pick_variation(%s, %s) as v", [experiment["id"], f"user-{n}"]).fetchone()["v"]
                 for n in range(40)]
        again = conn.execute("select prompts.pick_variation(%s, 'user-7') as v", [experiment["id"]]).fetchone()["v"]
    assert set(picks) == set(experiment["variations"]), picks
    assert again == picks[7]
    with as_member(people) as conn:
        empty = conn.execute("insert into prompts.prompt_experiments (organization_id, template_id, name) "
                             "values (%s, %s, 'No arms yet') returning id", [people["alice_org"], template["id"]]).fetchone()["id"]
        conn.commit()
    with as_member(people) as conn:
        assert conn.execute("select prompts.pick_variation(%s, 'user-1') as v", [empty]).fetchone()["v"] is None
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.NoDataFound) as foreign:
        conn.execute("select prompts.pick_variation(%s, 'user-1')", [experiment["id"]])
    assert str(foreign.value).startswith(f"prompt experiment {experiment['id']} not found"), str(foreign.value)


def test_start_and_finish_execution_computes_the_cost(people, template, model):
    org = people["alice_org"]
    with as_member(people) as conn:
        started = conn.execute("select (e).id, (e).status, (e).model, (e).rendered_prompt, (e).cost_usd, (e).template_version_id "
                               "from prompts.start_execution(%s, '{\"repo\": \"acme/api\"}') as e",
                               [template["id"]]).fetchone()
        conn.commit()
    assert (started["status"], started["model"], started["rendered_prompt"], started["cost_usd"],
            started["template_version_id"]) == ("running", model, "Review acme/api carefully", Decimal(0), template["v2"]["id"])
    with as_member(people) as conn:
        done = conn.execute("select (e).status, (e).input_tokens, (e).output_tokens, (e).cost_usd "
                            "from prompts.finish_execution(%s, 'succeeded', 1000, 2000, 900) as e",
                            [started["id"]]).fetchone()
        conn.commit()
    # 1000 x $3 + 2000 x $15 per million
    assert done == {"status": "succeeded", "input_tokens": 1000, "output_tokens": 2000, "cost_usd": Decimal("0.03300000")}
    with as_member(people) as conn:
        assert conn.execute("select prompts.execution_cost(%s, %s, now(), 1000, 2000) as c",
                            [org, model]).fetchone()["c"] == Decimal("0.03300000")
        assert conn.execute("select cost_usd from prompts.prompt_executions where organization_id = %s and id = %s",
                            [org, started["id"]]).fetchone()["cost_usd"] == Decimal("0.03300000")
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.NoDataFound):
        conn.execute("select prompts.finish_execution(%s, 'failed', 1, 1, 1)", [started["id"]])


def test_start_execution_of_an_unknown_template(people, template):
    """Another tenant's template does not exist for the caller (P0002), its text does not leak."""
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.NoDataFound) as foreign:
        conn.execute("select prompts.start_execution(%s, '{\"repo\": \"x\"}')", [template["id"]])
    assert str(foreign.value).startswith(f"prompt template {template['id']} not found"), str(foreign.value)


def test_start_execution_in_an_experiment(people, template, experiment):
    with as_member(people) as conn:
        row = conn.execute("select (e).variation_id, (e).template_version_id, (e).subject_key "
                           "from prompts.start_execution(%s, '{\"repo\": \"r\"}', %s, 'user-7') as e",
                           [template["id"], experiment["id"]]).fetchone()
        conn.commit()
    assert row["variation_id"] in experiment["variations"]
    assert row["template_version_id"] == experiment["variations"][row["variation_id"]]
    assert row["subject_key"] == "user-7"


@pytest.fixture(scope="module")
def context_source(people):
    with as_member(people) as conn:
        src = conn.execute("insert into prompts.context_sources (organization_id, name, kind, configuration, default_ttl) "
                           "values (%s, 'Docs site', 'url', '{\"url\": \"https://docs.example.com\"}', '1 hour') returning id",
                           [people["alice_org"]]).fetchone()["id"]
        conn.commit()
    return src


def test_put_and_get_context(people, context_source):
    with as_member(people) as conn:
        first = conn.execute("select (d).id, (d).content, (d).size_bytes, (d).expires_at - (d).fetched_at as ttl "
                             "from prompts.put_context(%s, 'intro', 'Hello context', metadata => '{\"etag\": \"v1\"}') as d",
                             [context_source]).fetchone()
        conn.commit()
    assert (first["content"], first["size_bytes"], str(first["ttl"])) == ("Hello context", 13, "1:00:00")
    with as_member(people) as conn:
        second = conn.execute("select (d).id, (d).content from prompts.put_context(%s, 'intro', 'Hello again', '10 minutes') as d",
                              [context_source]).fetchone()
        conn.commit()
    assert second == {"id": first["id"], "content": "Hello again"}
    with as_member(people) as conn:
        rows = conn.execute("select content from prompts.get_context(%s, 'intro')", [context_source]).fetchall()
        assert [r["content"] for r in rows] == ["Hello again"]
        assert conn.execute("select count(*) as n from prompts.get_context(%s, 'missing')", [context_source]).fetchone()["n"] == 0
    with as_member(people, "bob") as conn:
        assert conn.execute("select count(*) as n from prompts.get_context(%s, 'intro')", [context_source]).fetchone()["n"] == 0
        with pytest.raises(psycopg.errors.NoDataFound) as foreign:
            conn.execute("select prompts.put_context(%s, 'intro', 'intruder')", [context_source])
    assert str(foreign.value).startswith(f"context source {context_source} not found"), str(foreign.value)


def test_search_templates(people, template):
    with as_member(people) as conn:
        hits = conn.execute("select organization_id, template_id, name, version, rank from prompts.search_templates('reviewer')").fetchall()
        assert [(h["organization_id"], h["template_id"], h["name"], h["version"]) for h in hits] == \
            [(people["alice_org"], template["id"], "Code reviewer", 2)]
        assert hits[0]["rank"] > 0
        scoped = conn.execute("select count(*) as n from prompts.search_templates('review', only_organization_id => %s)",
                              [people["bob_org"]]).fetchone()["n"]
        assert scoped == 0
    with as_member(people, "bob") as conn:
        assert conn.execute("select count(*) as n from prompts.search_templates('reviewer')").fetchone()["n"] == 0


# --- projects --------------------------------------------------------------------------------------

def test_transition_project(people):
    org = people["alice_org"]
    uid = people["alice"][0]
    with as_member(people) as conn:
        project = conn.execute("insert into projects.projects (organization_id, name, slug) values (%s, 'Lifecycle', %s) returning id",
                               [org, f"life-{uuid.uuid4().hex[:8]}"]).fetchone()["id"]
        conn.commit()
    with as_member(people) as conn:
        row = conn.execute("select (p).status from projects.transition_project(%s, %s, 'active', 'kick-off') as p",
                           [org, project]).fetchone()
        assert row["status"] == "active"
        conn.commit()
    with as_member(people) as conn:
        history = conn.execute("select from_status, to_status, changed_by, note from projects.project_status_history "
                               "where organization_id = %s and project_id = %s order by changed_at, to_status",
                               [org, project]).fetchall()
        assert [(h["from_status"], h["to_status"], h["changed_by"]) for h in history] == \
            [(None, "planning", uid), ("planning", "active", uid)]
        assert history[-1]["note"] == "kick-off"
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as invalid:
            conn.execute("select projects.transition_project(%s, %s, 'archived')", [org, project])
    assert str(invalid.value).startswith('invalid status transition for projects.projects.status: "active" -> "archived"'), \
        str(invalid.value)
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select projects.transition_project(%s, %s, 'on_hold')", [org, project])


def test_set_default_branch(people):
    org = people["alice_org"]
    with as_member(people) as conn:
        repo = conn.execute("insert into projects.repositories (organization_id, provider, full_name, clone_url, default_branch) "
                            "values (%s, 'github', %s, 'https://github.com/acme/branches.git', 'main') returning id",
                            [org, f"acme/branches-{uuid.uuid4().hex[:6]}"]).fetchone()["id"]
        conn.execute("insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default) "
                     "values (%s, %s, 'main', repeat('a', 40), true), (%s, %s, 'dev', repeat('b', 40), false)",
                     [org, repo, org, repo])
        conn.commit()
    with as_member(people) as conn:
        row = conn.execute("select (b).name, (b).is_default from projects.set_default_branch(%s, %s, 'dev') as b",
                           [org, repo]).fetchone()
        assert row == {"name": "dev", "is_default": True}
        conn.commit()
    with as_member(people) as conn:
        defaults = conn.execute("select name from projects.repository_branches where organization_id = %s and repository_id = %s "
                                "and is_default", [org, repo]).fetchall()
        assert [d["name"] for d in defaults] == ["dev"]
        with pytest.raises(psycopg.errors.NoDataFound) as missing:
            conn.execute("select projects.set_default_branch(%s, %s, 'nope')", [org, repo])
    assert str(missing.value).startswith(f"branch 'nope' not found in repository {repo}"), str(missing.value)


# --- invitations -----------------------------------------------------------------------------------

def test_invite_and_accept(people):
    org = people["alice_org"]
    carol, carol_email = people["carol"]
    with as_member(people) as conn:
        invitation = conn.execute("select base.invite_member(%s, %s, 'member') as id", [org, carol_email.upper()]).fetchone()["id"]
        conn.commit()
    with as_member(people) as conn:
        with pytest.raises(psycopg.errors.UniqueViolation) as again:
            conn.execute("select base.invite_member(%s, %s)", [org, carol_email])
    assert str(again.value).startswith(f"a pending invitation of {carol_email} to organization {org} exists already"), str(again.value)
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege) as outsider:
        conn.execute("select base.invite_member(%s, 'x@example.test')", [org])
    assert str(outsider.value).startswith(f"only admins and owners of organization {org} may invite members")
    with as_member(people, "dave") as conn, pytest.raises(psycopg.errors.NoDataFound):
        conn.execute("select base.accept_invitation(%s)", [invitation])
    with as_member(people, "carol") as conn:
        member = conn.execute("select (m).organization_id, (m).user_id, (m).role::text from base.accept_invitation(%s) as m",
                              [invitation]).fetchone()
        conn.commit()
    assert member == {"organization_id": org, "user_id": carol, "role": "member"}
    with as_member(people, "carol") as conn:
        assert [r["id"] for r in conn.execute("select id from base.organizations").fetchall()] == [org]
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            conn.execute("select base.accept_invitation(%s)", [invitation])
    with as_member(people) as conn:
        row = conn.execute("select accepted_by from base.organization_invitations where organization_id = %s and id = %s",
                           [org, invitation]).fetchone()
        assert row["accepted_by"] == carol


def test_invite_and_revoke(people):
    org = people["alice_org"]
    dave_email = people["dave"][1]
    with as_member(people) as conn:
        invitation = conn.execute("select base.invite_member(%s, %s, 'viewer') as id", [org, dave_email]).fetchone()["id"]
        conn.commit()
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.NoDataFound):
        conn.execute("select base.revoke_invitation(%s)", [invitation])
    with as_member(people) as conn:
        revoked = conn.execute("select (i).id, (i).revoked_at is not null as revoked, (i).revoked_by "
                               "from base.revoke_invitation(%s) as i", [invitation]).fetchone()
        conn.commit()
    assert revoked == {"id": invitation, "revoked": True, "revoked_by": people["alice"][0]}
    with as_member(people, "dave") as conn, pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as refused:
        conn.execute("select base.accept_invitation(%s)", [invitation])
    assert str(refused.value).startswith(f"invitation {invitation} was revoked at"), str(refused.value)


# --- tasks -----------------------------------------------------------------------------------------

def test_cancel_workflow(people):
    org = people["alice_org"]
    definition = f"step-{uuid.uuid4().hex[:8]}"
    with connect(autocommit=True) as conn:
        conn.execute("insert into tasks.task_definitions (organization_id, name) values (%s, %s)", [org, definition])
    with as_member(people) as conn:
        workflow = conn.execute("insert into tasks.workflows (organization_id, name, execution_mode) values (%s, 'release', 'sequential') "
                                "returning id", [org]).fetchone()["id"]
        conn.commit()
    tasks = []
    for _ in range(2):
        with as_member(people) as conn:
            tasks.append(conn.execute("select id from tasks.enqueue_task(organization_id => %s, definition_name => %s, workflow_id => %s)",
                                      [org, definition, workflow]).fetchone()["id"])
            conn.commit()
    with as_member(people) as conn:
        row = conn.execute("select (w).status, (w).cancellation_reason from tasks.cancel_workflow(%s, %s, 'descoped') as w",
                           [org, workflow]).fetchone()
        conn.commit()
    assert row == {"status": "cancelled", "cancellation_reason": "descoped"}
    with as_member(people) as conn:
        # cancelled tasks move to the history
        assert conn.execute("select count(*) as n from tasks.tasks where organization_id = %s and id = any(%s)",
                            [org, tasks]).fetchone()["n"] == 0
        history = conn.execute("select id, status, cancellation_reason from tasks.task_history "
                               "where organization_id = %s and id = any(%s) order by id", [org, tasks]).fetchall()
        assert [(h["id"], h["status"]) for h in history] == sorted((t, "cancelled") for t in tasks)
        assert history[0]["cancellation_reason"] == f"workflow {workflow} cancelled: descoped"
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as again:
            conn.execute("select tasks.cancel_workflow(%s, %s)", [org, workflow])
    assert str(again.value).startswith(f"workflow {workflow} is already cancelled"), str(again.value)
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select tasks.cancel_workflow(%s, %s)", [org, workflow])


# --- events ----------------------------------------------------------------------------------------

def test_check_subscription_match(people):
    org = people["alice_org"]
    with as_member(people) as conn:
        pulls = conn.execute("insert into events.event_subscriptions (organization_id, name, source, event_type_pattern, "
                             "payload_filter, target_kind, target) values (%s, 'pulls', 'github', 'pull_*', "
                             "'{\"repository\": {\"full_name\": \"acme/api\"}}', 'queue', 'reviews') returning id",
                             [org]).fetchone()["id"]
        conn.commit()
    events = {}
    with connect() as conn:
        pull = {"action": "opened", "pull_request": {}}
        for name, event_type, payload in (("pr", "pull_request", {**pull, "repository": {"full_name": "acme/api"}}),
                                          ("other_repo", "pull_request", {**pull, "repository": {"full_name": "acme/web"}}),
                                          ("push", "push", {"ref": "refs/heads/main", "repository": {"full_name": "acme/api"}})):
            act_as(conn, "service_role")
            events[name] = conn.execute("select events.ingest_event(%s, 'github', %s, %s::jsonb) as id",
                                        [org, event_type, json.dumps(payload)]).fetchone()["id"]
            conn.commit()
        act_as(conn, "service_role")
        bobs = conn.execute("select events.ingest_event(%s, 'github', 'pull_request', %s::jsonb) as id",
                            [people["bob_org"], json.dumps({**pull, "repository": {"full_name": "acme/api"}})]).fetchone()["id"]
        conn.commit()
    with as_member(people) as conn:
        matches = {name: conn.execute("select events.check_subscription_match(%s, %s) as m", [event, pulls]).fetchone()["m"]
                   for name, event in events.items()}
        assert matches == {"pr": True, "other_repo": False, "push": False}
        assert conn.execute("select events.check_subscription_match(%s, %s) as m", [bobs, pulls]).fetchone()["m"] is False
    with as_member(people, "bob") as conn, pytest.raises(psycopg.errors.NoDataFound) as foreign:
        conn.execute("select events.check_subscription_match(%s, %s)", [bobs, pulls])
    assert str(foreign.value).startswith(f"event subscription {pulls} not found"), str(foreign.value)
