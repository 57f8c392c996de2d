"""Governance's schedules: each calls one service. Notices are data in `notices.py`."""

from django.utils import timezone
from huey import crontab

from mutualaid.core.schedules import periodic
from mutualaid.governance.services.agreements import agreement_reviews_remind
from mutualaid.governance.services.concerns import concerns_sweep
from mutualaid.governance.services.proposals import proposals_close_due, proposals_remind_closing
from mutualaid.governance.services.roles import (
    founder_powers_sweep,
    roles_expire_terms,
    roles_remind_terms_ending,
)


@periodic(crontab(hour="4", minute="23"))
def governance_daily_sweeps() -> None:
    now = timezone.now()
    roles_expire_terms(now=now)
    roles_remind_terms_ending(now=now)
    founder_powers_sweep(now=now)
    agreement_reviews_remind(today=now.date())


@periodic(crontab(minute="*/5"))
def governance_close_due_proposals() -> None:
    now = timezone.now()
    proposals_close_due(now=now)
    proposals_remind_closing(now=now)


@periodic(crontab(minute="*/5"))
def governance_conflict_sweep() -> None:
    """Open votes whose answer window passed; close concern rounds that are due."""
    concerns_sweep(now=timezone.now())
