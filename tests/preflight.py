"""Fail early and clearly when the test machine lacks something the suite needs."""

import os
import shutil
import sys

problems = []
if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
    problems.append(
        "Debian's chromium is missing: apt-get install -y chromium (browser tests never download one)"
    )
url = os.environ.get("DATABASE_URL", "")
if url.startswith("postgres"):
    import psycopg

    try:
        psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5).close()
    except psycopg.Error as exc:
        problems.append(f"DATABASE_URL is set but PostgreSQL is not reachable: {exc}")
if problems:
    print("Cannot run the test suite:\n- " + "\n- ".join(problems), file=sys.stderr)
    sys.exit(2)
print(
    f"preflight ok: database={'PostgreSQL' if url.startswith('postgres') else 'SQLite'}, chromium present"
)
