"""Base-module rules that need more than one session."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest

from conftest import act_as


def test_two_owners_demoting_themselves_at_once_leave_one_owner(test_url, tenant):
    """Two owners each demote themselves in overlapping transactions. Without the lock on the
    organization row both would see the other still an owner and both would commit, leaving none.
    With it, the second check waits for the first transaction and then refuses (55000)."""
    org = tenant["organization_id"]
    first, second = tenant["owner_id"], tenant["admin_id"]
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute("update base.organization_members set role = 'owner' "
                     "where organization_id = %s and user_id = %s", [org, second])

    demote = ("update base.organization_members set role = 'admin' "
              "where organization_id = %s and user_id = %s")
    outcome: dict[str, object] = {}

    with psycopg.connect(test_url) as conn_a, psycopg.connect(test_url) as conn_b:
        pid_b = conn_b.info.backend_pid
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
                waiting = watcher.execute(
                    "select wait_event_type = 'Lock' from pg_stat_activity where pid = %s",
                    [pid_b]).fetchone()
                if waiting and waiting[0]:
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
