#!/usr/bin/env python3
"""Release discipline of the Sqitch plan, checked from git history (stdlib only).

  scripts/release_check.py frozen            every script of a change deployed by a release tag is
                                             byte for byte what it was when the tag was added
                                             (a reworked change's old scripts live on as
                                             deploy/<change>@<tag>.sql and must match instead)
  scripts/release_check.py unreleased        print the deploy scripts of the changes after the
                                             last tag, one per line (what squawk lints)
  scripts/release_check.py lock-timeouts     every unreleased deploy script sets a lock_timeout
  scripts/release_check.py tag-commit [TAG]  the git commit that added TAG (default: the last tag)

A release is a `sqitch tag` line (@v1.0.0) in sqitch.plan; its commit is the first commit whose
plan contains it. Exit 1 with one line per problem.
"""
from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
KINDS = ("deploy", "revert", "verify")


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout


def plan_entries(text: str) -> list[tuple[str, str]]:
    """('change', name) and ('tag', name) in plan order."""
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("%", "#")):
            continue
        if line.startswith("@"):
            entries.append(("tag", line.split()[0][1:]))
        else:
            entries.append(("change", line.split()[0]))
    return entries


def tag_commit(tag: str) -> str:
    commits = git("log", "--reverse", "--format=%H", "-S", f"@{tag} ", "--", "sqitch.plan").split()
    if not commits:
        sys.exit(f"release_check: no commit adds @{tag} to sqitch.plan")
    return commits[0]


def show(commit: str, path: str) -> bytes | None:
    result = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], capture_output=True)
    return result.stdout if result.returncode == 0 else None


def frozen() -> list[str]:
    entries = plan_entries((ROOT / "sqitch.plan").read_text())
    problems = []
    commits: dict[str, str] = {}
    for c_index, (ckind, change) in enumerate(entries):
        if ckind != "change":
            continue
        # The release of this instance is the first tag after it; none: not released yet.
        releasing = next((e[1] for e in entries[c_index:] if e[0] == "tag"), None)
        if releasing is None:
            continue
        commit = commits.setdefault(releasing, tag_commit(releasing))
        # Is this instance reworked later? Then its scripts were copied to <change>@<tag>.sql,
        # named after the last tag before the next instance.
        later = [i for i, e in enumerate(entries) if e == ("change", change) and i > c_index]
        if later:
            tags_before = [e[1] for e in entries[c_index:later[0]] if e[0] == "tag"]
            name = f"{change}@{tags_before[-1]}"
        else:
            name = change
        for k in KINDS:
            then = show(commit, f"{k}/{change}.sql")
            path = ROOT / k / f"{name}.sql"
            now = path.read_bytes() if path.exists() else None
            if then is None:
                problems.append(f"{k}/{change}.sql is missing at @{releasing} ({commit[:10]})")
            elif now != then:
                problems.append(f"{k}/{name}.sql differs from what @{releasing} released ({commit[:10]}): "
                                f"change a released object with a new change or `sqitch rework {change}`")
    return problems


def unreleased() -> list[str]:
    entries = plan_entries((ROOT / "sqitch.plan").read_text())
    last = max((i for i, e in enumerate(entries) if e[0] == "tag"), default=-1)
    names = []
    for kind, change in entries[last + 1:]:
        if kind == "change" and change not in names:
            names.append(change)
    return [f"deploy/{n}.sql" for n in names]


def lock_timeouts() -> list[str]:
    problems = []
    for path in unreleased():
        text = (ROOT / path).read_text()
        if not re.search(r"^\s*set\s+(local\s+)?lock_timeout\s*(=|to)", text, re.I | re.M):
            problems.append(f"{path} sets no lock_timeout: add `set local lock_timeout = '5s';` after begin "
                            "(`set lock_timeout` in a script without a transaction, e.g. for CREATE INDEX "
                            "CONCURRENTLY), so the migration waits seconds, not forever, behind a long transaction")
    return problems


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "frozen":
        problems = frozen()
    elif command == "lock-timeouts":
        problems = lock_timeouts()
    elif command == "unreleased":
        for path in unreleased():
            print(path)
        return
    elif command == "tag-commit":
        entries = plan_entries((ROOT / "sqitch.plan").read_text())
        tags = [e[1] for e in entries if e[0] == "tag"]
        tag = sys.argv[2].lstrip("@") if len(sys.argv) > 2 else (tags[-1] if tags else None)
        if not tag:
            sys.exit("release_check: sqitch.plan has no tag")
        print(tag, tag_commit(tag))
        return
    else:
        sys.exit(__doc__)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
