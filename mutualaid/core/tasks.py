"""Scheduled upkeep that keeps the least data."""

from huey import crontab

from mutualaid.core.idempotency import idempotency_records_prune
from mutualaid.core.schedules import periodic


@periodic(crontab(minute="17"))
def prune_idempotency_records() -> int:
    return idempotency_records_prune()
