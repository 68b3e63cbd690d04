"""projects module: what pgTAP cannot show, because it needs two sessions at once.

* Two people move the same project at the same moment: the row lock in transition_project()
  serialises them, the second one re-validates against the first one's result and gets 55000.
* The one-default-branch rule under a write skew: one session deletes every branch while another
  adds a non-default branch. Each alone is fine; together they would leave a repository whose
  branches have no default. The commit-time check serializes the organization's branch changes
  (internal.serialize_tenant), so the second check waits for the first commit, sees it, and refuses
  (23514); tests/smoke/test_locks.py runs the same race at every isolation level.
"""
from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row

from conftest import act_as

TIMEOUT = 20  # seconds: every wait below is bounded by this


def _setup(test_url: str, sql: str, params: list) -> dict:
    with psycopg.connect(test_url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchone()


def test_concurrent_transitions_serialise(test_url, tenant):
    org, admin, owner = tenant["organization_id"], tenant["admin_id"], tenant["owner_id"]
    project = _setup(
        test_url,
        "insert into projects.projects (organization_id, name, slug, status) "
        "values (%s, 'Race', 'race', 'active') returning id",
        [org],
    )["id"]

    first_locked = threading.Event()
    results: dict[str, object] = {}

    def first():
        with psycopg.connect(test_url) as conn:
            with conn.transaction():
                act_as(conn, "authenticated", {"sub": str(admin)})
                conn.execute("set local lock_timeout = '15s'")
                conn.execute("select projects.transition_project(%s, %s, 'completed')", [org, project])
                first_locked.set()
                time.sleep(0.5)  # hold the row lock while the second session queues behind it
            results["first"] = "committed"

    def second():
        assert first_locked.wait(TIMEOUT)
        try:
            with psycopg.connect(test_url) as conn:
                with conn.transaction():
                    act_as(conn, "authenticated", {"sub": str(owner)})
                    conn.execute("set local lock_timeout = '15s'")
                    conn.execute("select projects.transition_project(%s, %s, 'on_hold')", [org, project])
            results["second"] = "committed"
        except psycopg.Error as e:
            results["second"] = e

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a session did not finish in time"

    assert results["first"] == "committed"
    err = results["second"]
    assert isinstance(err, psycopg.Error), "the second transition must fail"
    assert err.sqlstate == "55000"
    assert 'invalid status transition for projects.projects.status: "completed" -> "on_hold"' in str(err)

    with psycopg.connect(test_url) as conn:
        rows = conn.execute(
            "select from_status, to_status from projects.project_status_history "
            "where project_id = %s order by changed_at, id",
            [project],
        ).fetchall()
    assert rows == [(None, "active"), ("active", "completed")]


def test_default_branch_write_skew_is_refused(test_url, tenant):
    org, member = tenant["organization_id"], tenant["member_id"]
    repo = _setup(
        test_url,
        "insert into projects.repositories (organization_id, provider, full_name, clone_url) "
        "values (%s, 'github', 'race/repo', 'https://github.com/race/repo.git') returning id",
        [org],
    )["id"]
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute(
            "insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default) "
            "values (%s, %s, 'main', repeat('a', 40), true), (%s, %s, 'dev', repeat('b', 40), false)",
            [org, repo, org, repo],
        )

    first_checked = threading.Event()
    results: dict[str, object] = {}

    def wipe():
        with psycopg.connect(test_url) as conn:
            with conn.transaction():
                act_as(conn, "authenticated", {"sub": str(member)})
                conn.execute("delete from projects.repository_branches where repository_id = %s", [repo])
                conn.execute("set constraints all immediate")  # the check runs now and takes the lock
                first_checked.set()
                time.sleep(0.5)  # commit only after the other session has reached its own check
            results["wipe"] = "committed"

    def add():
        try:
            with psycopg.connect(test_url) as conn:
                with conn.transaction():
                    act_as(conn, "authenticated", {"sub": str(member)})
                    conn.execute("set local lock_timeout = '15s'")
                    conn.execute(
                        "insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha) "
                        "values (%s, %s, 'feature', repeat('c', 40))",
                        [org, repo],
                    )
                    assert first_checked.wait(TIMEOUT)
                    conn.execute("set constraints all immediate")  # blocks until wipe commits
            results["add"] = "committed"
        except psycopg.Error as e:
            results["add"] = e

    threads = [threading.Thread(target=wipe), threading.Thread(target=add)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a session did not finish in time"

    assert results["wipe"] == "committed"
    err = results["add"]
    assert isinstance(err, psycopg.Error), "adding a non-default branch to a repository emptied meanwhile must fail"
    assert err.sqlstate == "23514"
    assert "no default branch" in str(err)

    with psycopg.connect(test_url) as conn:
        left = conn.execute(
            "select count(*) from projects.repository_branches where repository_id = %s", [repo]
        ).fetchone()[0]
    assert left == 0


@pytest.mark.parametrize("role", ["viewer_id", "member_id"])
def test_status_change_refused_over_a_pooled_connection(test_url, tenant, role):
    """Identity is transaction-scoped: a refused change in one transaction leaves no identity or
    note behind for the next transaction on the same connection (as behind pgbouncer)."""
    org = tenant["organization_id"]
    project = _setup(
        test_url,
        "insert into projects.projects (organization_id, name, slug) values (%s, 'Pooled', 'pooled') returning id",
        [org],
    )["id"]
    with psycopg.connect(test_url) as conn:
        with pytest.raises(psycopg.Error) as caught:
            with conn.transaction():
                act_as(conn, "authenticated", {"sub": str(tenant[role])})
                conn.execute("select projects.transition_project(%s, %s, 'active', 'nope')", [org, project])
        assert caught.value.sqlstate == "42501"
        with conn.transaction():
            claims, note = conn.execute(
                "select current_setting('request.jwt.claims', true), current_setting('projects.status_note', true)"
            ).fetchone()
            assert not claims and not note
            # The next transaction, as the deploying owner (a trusted path), moves it fine.
            conn.execute("select projects.transition_project(%s, %s, 'active')", [org, project])
