"""Scheduled upkeep that keeps the least data."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mutualaid.core.idempotency import idempotency_records_prune


@db_periodic_task(crontab(minute="17"))
def prune_idempotency_records() -> int:
    return idempotency_records_prune()
