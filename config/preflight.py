"""`make test` preflight: fail fast, naming what is missing, before pytest starts.

Run as ``python -m config.preflight``. Checks that PostgreSQL and Redis answer at the addresses
the test settings will use (``DATABASE_URL`` / ``REDIS_URL``, defaulting to the local ones).
"""

from __future__ import annotations

import os
import sys

import psycopg
import redis

from config.env import database_from_url

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/loyalty"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def main() -> int:
    problems: list[str] = []
    db = database_from_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    try:
        # Connect to the maintenance database: the test database is created by pytest.
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"],
            user=db["USER"],
            password=db["PASSWORD"],
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        problems.append(
            f"PostgreSQL is not reachable at {db['HOST']}:{db['PORT']} as {db['USER']} ({exc}).\n"
            "  Start it (e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main "
            "start`) or set DATABASE_URL."
        )
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(
            f"Redis is not reachable at {redis_url} ({exc}).\n"
            "  Start it (e.g. `redis-server --daemonize yes`) or set REDIS_URL."
        )
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
