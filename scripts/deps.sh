#!/usr/bin/env bash
# Install what the package needs to deploy and test itself, and nothing that is already there.
#   - Debian packages: through apt-get as root, or through sudo; otherwise print the list and stop.
#     When another apt or dpkg (an automatic update) holds the package manager's lock, wait for
#     it (up to DEPS_LOCK_TIMEOUT seconds, default 900) with a message, instead of failing.
#   - Python: a project-local .venv with the pinned harness from tests/requirements.txt (only for
#     the test targets: `scripts/deps.sh packages` installs the Debian packages alone).
#   DEPS_EXTRA_PACKAGES  more Debian packages to install the same way (the tests use it)
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_MAJOR=${PG_MAJOR:-15}
packages=(
  "postgresql-$PG_MAJOR" "postgresql-$PG_MAJOR-pgtap" "postgresql-$PG_MAJOR-plpgsql-check"
  "postgresql-$PG_MAJOR-cron" sqitch libtap-parser-sourcehandler-pgtap-perl pgbouncer
  python3-venv graphviz
)
# shellcheck disable=SC2206
packages+=(${DEPS_EXTRA_PACKAGES:-})

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
    as_root=(sudo)
  else
    echo "deps: these Debian packages are missing and I cannot install them (not root, no sudo):" >&2
    printf '  %s\n' "${missing[@]}" >&2
    echo "deps: install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  lock_timeout=${DEPS_LOCK_TIMEOUT:-900}
  # dpkg and apt lock their files with fcntl; probing the same way tells whether someone holds them.
  if ! python3 - <<'PY' 2>/dev/null
import fcntl, sys
for path in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock"):
    try:
        with open(path, "a") as f:
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except FileNotFoundError:
        pass
    except OSError:
        sys.exit(1)
PY
  then
    echo "deps: another package manager (an automatic update?) holds the apt/dpkg lock;" \
         "waiting for it, up to ${lock_timeout}s"
  fi
  # The distribution may start its own cluster on port 5432; the package leaves it alone and runs
  # its embedded cluster under .pgdata/ on another port.
  apt_opts=(-o "DPkg::Lock::Timeout=$lock_timeout")
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = packages ] && exit 0

# The Python harness: rebuilt only when the pinned list changes.
if [ ! -x .venv/bin/python ] || [ tests/requirements.txt -nt .venv/.installed ]; then
  echo "deps: creating .venv with the pinned test harness"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt 2>&1 | grep -v "is ignored: it is neither" || true
  touch .venv/.installed
fi
