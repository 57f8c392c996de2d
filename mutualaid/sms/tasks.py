"""Schedules for text messages: each calls one service."""

from huey import crontab

from mutualaid.core.schedules import periodic
from mutualaid.sms.services.inbound import sms_expire_sweep


@periodic(crontab(hour="*", minute="23"))
def expire_texts() -> int:
    return sms_expire_sweep()
