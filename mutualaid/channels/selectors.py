"""Reading notifications and the choices about them."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from mutualaid.channels.labels import group_key, group_label, group_order, kind_order
from mutualaid.channels.models import (
    Channel,
    Delivery,
    Notification,
    Preference,
    PushSubscription,
    QuietHours,
    Timing,
)
from mutualaid.core.errors import NotFound
from mutualaid.core.notice_kinds import NoticeKind, notice_kind, notice_kinds_declared
from mutualaid.networks.models import Member, Network


def notifications_of(user: Any, *, unread_only: bool = False) -> "QuerySet[Notification]":
    """A person's listed notifications across their networks, newest first."""
    rows = Notification.objects.filter(recipient__user=user, listed=True).select_related(
        "recipient__network"
    )
    return rows.filter(read_at__isnull=True) if unread_only else rows


def notifications_of_member(
    member: Member, *, unread_only: bool = False
) -> "QuerySet[Notification]":
    """One membership's listed notifications, newest first: what an API token scoped to that
    membership may see."""
    rows = Notification.objects.filter(recipient=member, listed=True).select_related(
        "recipient__network", "recipient__user"
    )
    return rows.filter(read_at__isnull=True) if unread_only else rows


def access_notification(
    *, user: Any, notification_id: int, member: Member | None = None
) -> Notification:
    """One of the person's listed notifications (of one membership when `member` is given);
    the same NotFound for one that does not exist and one that is someone else's."""
    rows = notifications_of(user) if member is None else notifications_of_member(member)
    notification = rows.filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    return notification


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_of(user, unread_only=True).count()


def timing_for(member: Member, kind: NoticeKind[Any], channel: str, chosen: dict[str, str]) -> str:
    """How `channel` carries `kind` for this member: their choice, else the kind's default.
    A kind that cannot be turned off keeps its default wherever the choice would be off: on
    the channels that carry it by default it stays on, the others are the member's to add.
    A kind that is not listed in the app (a phone code) is not a choice at all: it goes only
    where its defaults send it, so no stored choice can send a code to another address."""
    default = kind.defaults.get(channel, Timing.OFF)
    if not kind.in_app:
        return default
    timing = chosen.get(f"{kind.name}:{channel}", default)
    if kind.mandatory and timing == Timing.OFF:
        return default
    return timing


def choices_of(member: Member) -> dict[str, str]:
    """The member's own choices, as "kind:channel" -> timing."""
    return {
        f"{kind}:{channel}": timing
        for kind, channel, timing in Preference.objects.filter(member=member).values_list(
            "kind", "channel", "timing"
        )
    }


@dataclass(frozen=True)
class PreferenceRow:
    kind: NoticeKind[Any]
    timings: dict[str, str]  # channel -> timing


def preference_rows(member: Member) -> list[PreferenceRow]:
    """Every kind a member can be told of, with how each channel carries it for them."""
    chosen = choices_of(member)
    rows = []
    for name in notice_kinds_declared():
        kind = notice_kind(name)
        if not kind.in_app:
            continue  # codes by SMS: not a choice
        timings = {str(c): timing_for(member, kind, c, chosen) for c in Channel.values}
        rows.append(PreferenceRow(kind, timings))
    return rows


@dataclass(frozen=True)
class PreferenceGroup:
    label: str
    rows: list[PreferenceRow]


def preference_groups(member: Member) -> list[PreferenceGroup]:
    """`preference_rows` grouped under readable titles, in the order the page shows them."""
    groups: dict[str, list[PreferenceRow]] = {}
    order: dict[str, int] = {}
    for row in preference_rows(member):
        key = group_key(row.kind.name)
        label = group_label(key)
        groups.setdefault(label, []).append(row)
        order[label] = min(order.get(label, group_order(key)), group_order(key))
    return [
        PreferenceGroup(label, sorted(rows, key=lambda r: kind_order(r.kind.name)))
        for label, rows in sorted(groups.items(), key=lambda item: order[item[0]])
    ]


def quiet_hours_of(member: Member) -> QuietHours | None:
    return QuietHours.objects.filter(member=member).first()


def push_subscriptions_of(user: Any) -> "QuerySet[PushSubscription]":
    return PushSubscription.objects.filter(user=user)


def failed_deliveries_of(user: Any, *, days: int = 30) -> "QuerySet[Delivery]":
    """What could not reach this person lately, for their settings page."""
    since = timezone.now() - timedelta(days=days)
    return (
        Delivery.objects.filter(
            notification__recipient__user=user,
            status=Delivery.Status.FAILED,
            notification__created_at__gte=since,
        )
        .select_related("notification__recipient__network")
        .order_by("-notification__created_at")
    )


def failure_counts(network: Network, *, days: int = 30) -> dict[str, int]:
    """How many deliveries failed for good lately, by channel: for organisers, who see a
    count and never whose or what."""
    since: datetime = timezone.now() - timedelta(days=days)
    rows = (
        Delivery.objects.filter(
            notification__recipient__network=network,
            status=Delivery.Status.FAILED,
            notification__created_at__gte=since,
        )
        .values("channel")
        .annotate(n=Count("pk"))
    )
    return {row["channel"]: row["n"] for row in rows}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def channels_data_export(*, member: Member) -> dict[str, object]:
    """What the member was told and how they chose to be told, for their data export. Words
    are not stored (they are rendered when shown), so the export lists kinds and objects."""
    notifications = Notification.objects.filter(recipient=member).prefetch_related("deliveries")
    quiet = quiet_hours_of(member)
    return {
        "notifications": [
            {
                "id": n.pk,
                "kind": n.kind,
                "about": n.about_id,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
                "deliveries": [
                    {
                        "channel": d.channel,
                        "timing": d.timing,
                        "status": d.status,
                        "sent_at": _iso(d.sent_at),
                        "error": d.error,
                    }
                    for d in n.deliveries.all()
                ],
            }
            for n in notifications
        ],
        "notification_preferences": [
            {"kind": p.kind, "channel": p.channel, "timing": p.timing}
            for p in Preference.objects.filter(member=member).order_by("kind", "channel")
        ],
        "quiet_hours": (
            {"starts": quiet.starts.strftime("%H:%M"), "ends": quiet.ends.strftime("%H:%M")}
            if quiet is not None
            else None
        ),
    }
