"""Settings for the worker fault drill and bench/notify.py: the project's settings with the
database, the queue and the mail backend pointed at one throwaway run.

MUTUALAID_DRILL_DIR   folder of the run: the SQLite database (unless DATABASE_URL is set),
                      Huey's SQLite queue (unless MUTUALAID_DRILL_REDIS_URL is set), the sink
MUTUALAID_DRILL_REDIS_URL   Redis for the queue, under a queue name of this run's own
MUTUALAID_DRILL_QUEUE  the queue's name (default "drill")
MUTUALAID_DRILL_WORKERS  worker threads per consumer process (default 2)
"""

import os
from pathlib import Path

from mutualaid.settings import *  # noqa: F403
from mutualaid.settings import DATABASES, HUEY

DRILL_DIR = Path(os.environ["MUTUALAID_DRILL_DIR"])

if "DATABASE_URL" not in os.environ:
    DATABASES["default"]["NAME"] = str(DRILL_DIR / "db.sqlite3")

_queue = os.environ.get("MUTUALAID_DRILL_QUEUE", "drill")
_redis = os.environ.get("MUTUALAID_DRILL_REDIS_URL", "")
HUEY.clear()
if _redis:
    HUEY.update({"huey_class": "huey.RedisHuey", "name": _queue, "url": _redis})
else:
    HUEY.update(
        {"huey_class": "huey.SqliteHuey", "name": _queue, "filename": str(DRILL_DIR / "q.db")}
    )
HUEY["immediate"] = False
HUEY["consumer"] = {
    "workers": int(os.environ.get("MUTUALAID_DRILL_WORKERS", "2")),
    "worker_type": "thread",
    # Look for work often: the drill measures the layer, not the consumer's idle backoff.
    "initial_delay": 0.05,
    "max_delay": 0.5,
    "periodic": False,
}

# Each sent email's idempotency key goes to the sink, which de-duplicates as a provider does.
EMAIL_BACKEND = "tests.channels.sink_backend.SinkBackend"
MUTUALAID_DRILL_SINK = str(DRILL_DIR / "sink.log")

# Claims and queued-but-unclaimed rows are handed out again after a few seconds, not minutes,
# so a drill of a minute sees the sweep do its work.
MUTUALAID_DELIVERY_CLAIM_SECONDS = 4
MUTUALAID_DELIVERY_REQUEUE_SECONDS = 4
LOGGING = {"version": 1, "disable_existing_loggers": False}
