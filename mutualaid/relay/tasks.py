"""Schedules for the contact relay: each calls one service."""

from huey import crontab

from mutualaid.core.schedules import periodic
from mutualaid.relay.services import relay_messages_expire, relays_close_sweep


@periodic(crontab(minute="50", hour="3"))
def expire_relay_messages() -> int:
    return relay_messages_expire()


@periodic(crontab(minute="*/15"))
def close_ended_relays() -> int:
    return relays_close_sweep()
