"""Base-module rules that need more than one session."""
from __future__ import annotations

import os
import threading
import time
import uuid

import psycopg
import pytest

from conftest import act_as


def test_two_owners_demoting_themselves_at_once_leave_one_owner(test_url, tenant):
    """Two owners each demote themselves in overlapping transactions. Without serialization both
    would see the other still an owner and both would commit, leaving none. With the tenant lock
    (internal.serialize_tenant(org, 'owners')), the second check waits for the first transaction
    and then refuses (55000). Every isolation level and both forms: the test below."""
    org = tenant["organization_id"]
    first, second = tenant["owner_id"], tenant["admin_id"]
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute("update base.organization_members set role = 'owner' "
                     "where organization_id = %s and user_id = %s", [org, second])

    demote = ("update base.organization_members set role = 'admin' "
              "where organization_id = %s and user_id = %s")
    outcome: dict[str, object] = {}

    with psycopg.connect(test_url) as conn_a, psycopg.connect(test_url) as conn_b:
        act_as(conn_a, "authenticated", {"sub": str(first)})
        conn_a.execute(demote, [org, first])           # A: checked, one owner left; not committed

        def session_b() -> None:
            try:
                act_as(conn_b, "authenticated", {"sub": str(second)})
                conn_b.execute(demote, [org, second])  # blocks on the organization row
                conn_b.commit()
                outcome["b"] = "committed"
            except psycopg.Error as e:
                conn_b.rollback()
                outcome["b"] = e.sqlstate

        thread = threading.Thread(target=session_b)
        thread.start()
        with psycopg.connect(test_url, autocommit=True) as watcher:
            for _ in range(200):                      # up to 10 s for B to be waiting on A
                # (matched by query, not pid: behind a pooler the client never learns the pid)
                waiting = watcher.execute(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                    "and query like 'update base.organization_members set role = ''admin''%%'").fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("session B never waited for session A's lock")
        conn_a.commit()
        thread.join(timeout=20)

    assert outcome == {"b": "55000"}
    with psycopg.connect(test_url) as conn:
        owners = conn.execute("select array_agg(user_id) from base.organization_members "
                              "where organization_id = %s and role = 'owner'", [org]).fetchone()[0]
    assert owners == [second]


STEP_DOWN = {
    "demote": "update base.organization_members set role = 'admin' where organization_id = %s and user_id = %s",
    "leave": "delete from base.organization_members where organization_id = %s and user_id = %s",
}
# What the second owner to step down gets: under READ COMMITTED it waits for the first one, counts
# again and is refused by the trigger (55000); under REPEATABLE READ and SERIALIZABLE its snapshot
# still counts the first owner, so internal.serialize_tenant fails it with 40001 instead.
LOSER = {
    psycopg.IsolationLevel.READ_COMMITTED: "55000",
    psycopg.IsolationLevel.REPEATABLE_READ: "40001",
    psycopg.IsolationLevel.SERIALIZABLE: "40001",
}


@pytest.mark.parametrize("form", sorted(STEP_DOWN))
@pytest.mark.parametrize("isolation", list(LOSER), ids=lambda i: i.name.lower())
def test_two_owners_stepping_down_at_once_leave_an_owner_at_every_isolation_level(test_url, tenant, isolation, form):
    """The only two owners step down (demote themselves, or leave) in two overlapping transactions
    at the same isolation level. B's snapshot is taken while A's step-down is still uncommitted,
    so a check that merely waited for A (a row lock on the organization) and then counted from
    B's snapshot under REPEATABLE READ would still see A as an owner and let both commit."""
    org = tenant["organization_id"]
    first, second = tenant["owner_id"], tenant["admin_id"]
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute("update base.organization_members set role = 'owner' "
                     "where organization_id = %s and user_id = %s", [org, second])
    step_down = STEP_DOWN[form]
    count_owners = ("select count(*) from base.organization_members "
                    "where organization_id = %s and role = 'owner'")
    outcome: dict[str, object] = {}

    with psycopg.connect(test_url) as conn_a, psycopg.connect(test_url) as conn_b:
        conn_a.isolation_level = conn_b.isolation_level = isolation
        act_as(conn_a, "authenticated", {"sub": str(first)})
        conn_a.execute(step_down, [org, first])              # A: checked, one owner left; not committed
        act_as(conn_b, "authenticated", {"sub": str(second)})
        assert conn_b.execute(count_owners, [org]).fetchone()[0] == 2   # B's snapshot: A still an owner

        def session_b() -> None:
            try:
                conn_b.execute(step_down, [org, second])     # waits for A's transaction
                conn_b.commit()
                outcome["b"] = "committed"
            except psycopg.Error as e:
                conn_b.rollback()
                outcome["b"] = e.sqlstate

        thread = threading.Thread(target=session_b)
        thread.start()
        with psycopg.connect(test_url, autocommit=True) as watcher:
            for _ in range(200):                      # up to 10 s for B to be waiting on A
                waiting = watcher.execute(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                    "and (query like 'update base.organization_members set role = ''admin''%' "
                    "     or query like 'delete from base.organization_members%')").fetchone()[0]
                if waiting or not thread.is_alive():
                    break
                time.sleep(0.05)
        conn_a.commit()
        thread.join(timeout=20)

    with psycopg.connect(test_url) as conn:
        owners = conn.execute("select array_agg(user_id) from base.organization_members "
                              "where organization_id = %s and role = 'owner'", [org]).fetchone()[0]
    assert owners == [second], f"{isolation.name} {form}: owners left {owners}, B {outcome.get('b')}"
    assert outcome == {"b": LOSER[isolation]}


def test_identity_is_transaction_scoped_so_a_pooled_connection_forgets_it(test_url, tenant):
    """Behind a transaction-mode pooler the next client reuses the connection: nothing of the
    previous request's identity may survive its transaction."""
    with psycopg.connect(test_url) as conn:
        with conn.transaction():
            act_as(conn, "authenticated", {"sub": str(tenant["member_id"])})
            seen = conn.execute("select base.current_user_id(), current_user").fetchone()
            assert seen == (tenant["member_id"], "authenticated")
        after = conn.execute("select base.current_user_id(), current_user = 'authenticated'").fetchone()
        assert after == (None, False)


@pytest.mark.skipif(not os.environ.get("PLATFORM_POOLER"), reason="runs in the pooler lane of make test")
def test_behind_the_pooler_a_reused_server_connection_carries_no_identity(test_url, tenant):
    """Two clients, one after the other, land on the same server connection of the transaction
    pooler; the second sees nothing of the first one's identity."""
    with psycopg.connect(test_url) as first:
        with first.transaction():
            act_as(first, "authenticated", {"sub": str(tenant["owner_id"])})
            pid_first = first.execute("select pg_backend_pid()").fetchone()[0]
            assert first.execute("select count(*) from base.organizations").fetchone()[0] == 1
    seen = set()
    for _ in range(50):                       # the pool has a few server connections: find ours
        with psycopg.connect(test_url) as second:
            pid, user_id, role, visible = second.execute(
                "select pg_backend_pid(), base.current_user_id(), current_user, "
                "(select count(*) from base.organizations)").fetchone()
            seen.add(pid)
            assert user_id is None and role != "authenticated"
            if pid == pid_first:
                break
    assert pid_first in seen, "the pooler never handed the first server connection out again"


@pytest.mark.parametrize("isolation", [psycopg.IsolationLevel.READ_COMMITTED, psycopg.IsolationLevel.REPEATABLE_READ],
                         ids=lambda i: i.name.lower())
def test_an_invitation_accepted_twice_at_once_makes_one_membership(test_url, tenant, isolation):
    """The addressee accepts the same invitation from two sessions at once (a double click, two
    tabs). accept_invitation locks the invitation before it checks that it is pending, so the second
    waits for the first and is refused as already accepted (55000), or with 40001 when its snapshot
    predates the first acceptance; it never reaches the membership insert (23505)."""
    org = tenant["organization_id"]
    email = f"twice-{uuid.uuid4().hex[:8]}@example.test"
    with psycopg.connect(test_url) as conn:
        invitee = conn.execute("select tests.create_user(%s)", [email]).fetchone()[0]
        conn.commit()
        act_as(conn, "authenticated", {"sub": str(tenant["admin_id"])})      # the admin invites
        invitation = conn.execute("select base.invite_member(%s, %s)", [org, email]).fetchone()[0]
        conn.commit()
    claims = {"sub": str(invitee), "email": email}
    accept = "select role from base.accept_invitation(%s)"
    outcome: dict[str, object] = {}
    try:
        with psycopg.connect(test_url) as conn_a, psycopg.connect(test_url) as conn_b:
            conn_a.isolation_level = conn_b.isolation_level = isolation
            act_as(conn_a, "authenticated", claims)
            assert conn_a.execute(accept, [invitation]).fetchone()[0] == "member"   # not committed yet
            act_as(conn_b, "authenticated", claims)

            def session_b() -> None:
                try:
                    conn_b.execute(accept, [invitation])
                    conn_b.commit()
                    outcome["b"] = "committed"
                except psycopg.Error as e:
                    conn_b.rollback()
                    outcome["b"] = e.sqlstate

            thread = threading.Thread(target=session_b)
            thread.start()
            with psycopg.connect(test_url, autocommit=True) as watcher:
                for _ in range(200):
                    if watcher.execute("select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                                       "and query like 'select role from base.accept_invitation%'").fetchone()[0]:
                        break
                    if not thread.is_alive():
                        break
                    time.sleep(0.05)
            conn_a.commit()
            thread.join(timeout=20)
        assert outcome == {"b": "55000" if isolation == psycopg.IsolationLevel.READ_COMMITTED else "40001"}
        with psycopg.connect(test_url) as conn:
            assert conn.execute("select count(*) from base.organization_members where organization_id = %s "
                                "and user_id = %s", [org, invitee]).fetchone()[0] == 1
    finally:
        with psycopg.connect(test_url, autocommit=True) as conn:
            conn.execute("delete from base.organization_members where organization_id = %s and user_id = %s",
                         [org, invitee])
            conn.execute("delete from base.users where id = %s", [invitee])
