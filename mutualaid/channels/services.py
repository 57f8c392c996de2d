"""The one notification service: every app tells a member of something through `notice_send`.

`notice_send(kind, about_id, **extra)` runs inside the caller's transaction: it records one
`Notification` per recipient (the in-app channel) and one `Delivery` per other channel the
member gets it on, and queues the instant deliveries once the transaction commits. A write
that rolls back tells no one.

A delivery is claimed with a conditional update (pending -> sending) before it is sent and
marked sent after; a worker that dies in between leaves a claim that expires
(`CLAIM_SECONDS`) and `deliveries_sweep` hands it out again, with the same idempotency key.
A failure that may pass is tried again later, further apart each time (`RETRY_AFTER`); one
that will not (a bounced address, a gone subscription, a refused number) is marked failed
and shown to the member. Digests gather what a member chose to read daily or weekly into
one message per person, channel and period.
"""

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from mutualaid.channels.models import (
    Channel,
    ChannelPolicy,
    Delivery,
    Digest,
    Notification,
    Preference,
    PushSubscription,
    QuietHours,
    Timing,
)
from mutualaid.channels.selectors import (
    access_notification,
    choices_of,
    preference_rows,
    timing_for,
)
from mutualaid.channels.senders import (
    PermanentFailure,
    PushTarget,
    Rendered,
    TemporaryFailure,
    email_send,
    push_send,
)
from mutualaid.core.errors import InvalidInput
from mutualaid.core.notice_kinds import NoticeKind, notice_kind
from mutualaid.core.notify import language_for
from mutualaid.core.schedules import queued
from mutualaid.core.sms import SmsRefused, SmsUnavailable, sms_send
from mutualaid.core.zones import zone_of
from mutualaid.networks.models import Member
from mutualaid.sms.selectors import network_sms_sender, sms_number_for

log = logging.getLogger(__name__)

# How long a claim holds before another worker may take the delivery again.
CLAIM_SECONDS = getattr(settings, "MUTUALAID_DELIVERY_CLAIM_SECONDS", 120)
# A pending delivery queued this long ago and still not claimed is queued again (the worker
# that took the job may have died before it claimed anything).
REQUEUE_SECONDS = getattr(settings, "MUTUALAID_DELIVERY_REQUEUE_SECONDS", 120)
# After the n-th failed try, wait this long; after the last, give up.
RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
DEFAULT_RETENTION_DAYS = 90


# --- Sending: record now, deliver after commit -------------------------------------------


def notice_send(kind: str, about_id: int, **extra: Any) -> list[Notification]:
    """Tell the kind's recipients about one object: a notification each, and a delivery on
    each channel they get it on. `extra` must be JSON-like and never hold contact details."""
    spec = notice_kind(kind)  # an unknown kind fails in the service, not later in a worker
    about = spec.load(about_id)
    if about is None:
        return []
    recipients: dict[int, Member] = {}
    outsiders = False
    for member in spec.to(about, extra):
        if isinstance(member, Member):
            recipients.setdefault(member.pk, member)
        elif member is not None:
            outsiders = True
    if outsiders:
        transaction.on_commit(partial(outsiders_told, kind, about_id, dict(extra)))
    notifications = []
    instant: list[int] = []
    now = timezone.now()
    for member in recipients.values():
        notification = Notification.objects.create(
            recipient=member, kind=kind, about_id=about_id, extra=dict(extra), listed=spec.in_app
        )
        notifications.append(notification)
        for delivery in _deliveries_for(notification, member, spec, now):
            if delivery.timing == Timing.INSTANT and delivery.due_at <= now:
                instant.append(delivery.pk)
    if instant:
        transaction.on_commit(partial(deliveries_queue, instant))
    return notifications


def _deliveries_for(
    notification: Notification, member: Member, spec: NoticeKind[Any], now: datetime
) -> list[Delivery]:
    chosen = choices_of(member)
    quiet_end = _quiet_hours_end(member, now)
    rows = []
    for channel in Channel:
        timing = timing_for(member, spec, channel, chosen)
        if timing == Timing.OFF:
            continue
        due = now
        if timing == Timing.INSTANT and channel != Channel.EMAIL and quiet_end is not None:
            due = quiet_end  # SMS and push wait for the morning; email waits in the inbox
        rows.append(Delivery(notification=notification, channel=channel, timing=timing, due_at=due))
    return Delivery.objects.bulk_create(rows) if rows else []


def _quiet_hours_end(member: Member, now: datetime) -> datetime | None:
    """When the member's quiet hours end, if `now` falls in them; None otherwise."""
    quiet = QuietHours.objects.filter(member=member).first()
    if quiet is None or quiet.starts == quiet.ends:
        return None
    zone = zone_of(member.network)
    local = now.astimezone(zone)
    clock = local.time()
    if quiet.starts < quiet.ends:
        inside = quiet.starts <= clock < quiet.ends
    else:  # across midnight, e.g. 22:00 to 07:00
        inside = clock >= quiet.starts or clock < quiet.ends
    if not inside:
        return None
    end_day = local.date() if clock < quiet.ends else local.date() + timedelta(days=1)
    return datetime.combine(end_day, quiet.ends, tzinfo=zone)


@queued()
def deliveries_queued(delivery_ids: list[int]) -> int:
    """The worker's job: send each delivery it can claim; returns how many went."""
    return sum(delivery_send(delivery_id) == Delivery.Status.SENT for delivery_id in delivery_ids)


def deliveries_queue(delivery_ids: list[int]) -> None:
    """Hand deliveries to the worker, a few per job; noted so the sweep knows they went."""
    Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.PENDING).update(
        queued_at=timezone.now()
    )
    for start in range(0, len(delivery_ids), 20):
        deliveries_queued(delivery_ids[start : start + 20])


# No Delivery row for these (there is no member to hang it on): a temporary failure raises,
# and the worker tries the job again, five minutes apart, six times in all.
@queued(retries=5, retry_delay=300)
def outsiders_told(kind: str, about_id: int, extra: dict[str, Any]) -> int:
    """Email the recipients who are not members (an applicant who was declined, a member the
    network removed): they have no notifications page and no choices, so they get the email
    alone, in their language if it is known, else the site's. Returns how many went."""
    spec = notice_kind(kind)
    about = spec.load(about_id)
    if about is None:
        return 0
    sent = 0
    for person in spec.to(about, extra):
        if person is None or isinstance(person, Member) or not person.user.email:
            continue
        rendered = notification_render(
            Notification(kind=kind, about_id=about_id, extra=extra),
            language_for(person),
            sending=True,
        )
        if rendered is None:
            continue
        key = f"mutualaid-{kind}-{about_id}-{person.pk}"
        try:
            email_send(person.user.email, rendered, key=key, network_name=person.network.name)
        except PermanentFailure:
            log.info("notification failed: %s to a former member or applicant", kind)
            continue  # the address is refused: trying again cannot help
        sent += 1
    return sent


# --- Delivering one ------------------------------------------------------------------------


def delivery_send(delivery_id: int, *, now: datetime | None = None) -> str:
    """Claim, send and mark one delivery; returns its status afterwards (or "" when another
    worker holds it, it is not due, or it is already done)."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, due_at__lte=now
    ).update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return ""
    delivery = Delivery.objects.select_related(
        "notification__recipient__user", "notification__recipient__network"
    ).get(pk=delivery_id)
    try:
        sent = _carry(delivery)
    except PermanentFailure as error:
        return _finish(delivery, Delivery.Status.FAILED, error=str(error))
    except TemporaryFailure as error:
        return _try_later(delivery, str(error), now)
    except Exception:
        # A bug or an outage we did not foresee: the delivery is kept and tried again.
        log.exception("delivery %s failed", delivery_id)
        return _try_later(delivery, gettext_noop("something went wrong on our side"), now)
    return _finish(delivery, Delivery.Status.SENT if sent else Delivery.Status.SKIPPED)


def _finish(delivery: Delivery, status: str, *, error: str = "") -> str:
    changes: dict[str, Any] = {"status": status, "error": error[:200]}
    if status == Delivery.Status.SENT:
        changes["sent_at"] = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(**changes)
    notification = delivery.notification
    # Kinds and ids only: what a notice says may name a place or a person.
    log.info(
        "notification %s: %s to member %s by %s",
        status,
        notification.kind,
        notification.recipient_id,
        delivery.channel,
    )
    if notification.kind == "sms.phone_code":
        # The code has reached the phone, or never will (refused, or no number left to send
        # it to): either way nothing keeps it any longer. Only a retry still needs it.
        Notification.objects.filter(pk=notification.pk).update(extra={})
    return status


def _try_later(delivery: Delivery, error: str, now: datetime) -> str:
    if delivery.attempts > len(RETRY_AFTER):
        return _finish(delivery, Delivery.Status.FAILED, error=error)
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING,
        due_at=now + RETRY_AFTER[delivery.attempts - 1],
        queued_at=None,
        error=error[:200],
    )
    return Delivery.Status.PENDING


def _carry(delivery: Delivery) -> bool:
    """Send on the delivery's channel; False when there is nothing to send it to."""
    notification = delivery.notification
    member = notification.recipient
    rendered = notification_render(notification, sending=True)
    if rendered is None:
        return False  # what it was about is gone: nothing left to tell
    if delivery.channel == Channel.EMAIL:
        if not member.user.email:
            return False
        email_send(member.user.email, rendered, key=delivery.key, network_name=member.network.name)
        return True
    if delivery.channel == Channel.SMS:
        number = sms_number_for(member, include_unverified=notification.kind == "sms.phone_code")
        if number is None:
            return False
        try:
            # From the network's own number, so a reply (to a relayed message, a question)
            # comes back to this network.
            sender = network_sms_sender(member.network_id)
            sms_send(number, rendered.sms, key=delivery.key, sender=sender)
        except SmsRefused as error:
            reason = gettext_noop("the text message service refused the number")
            raise PermanentFailure(reason) from error
        except SmsUnavailable as error:
            log.info("text message gateway: %s", error)
            reason = gettext_noop("the text message service could not take it")
            raise TemporaryFailure(reason) from error
        return True
    return _push(member, rendered, key=delivery.key)


def _push(member: Member, rendered: Rendered, *, key: str) -> bool:
    subscriptions = list(PushSubscription.objects.filter(user=member.user))
    if not subscriptions or not settings.MUTUALAID_VAPID_PRIVATE_KEY:
        return False
    sent = False
    for subscription in subscriptions:
        target = PushTarget(subscription.endpoint, subscription.p256dh, subscription.auth)
        try:
            push_send(target, rendered, key=key)
            sent = True
        except PermanentFailure:
            subscription.delete()  # the push service says this browser is gone
    if not sent and not PushSubscription.objects.filter(user=member.user).exists():
        raise PermanentFailure(gettext_noop("the browser's subscription is gone"))
    return sent


def notification_render(
    notification: Notification, language: str | None = None, *, sending: bool = False
) -> Rendered | None:
    """The notification's words in the reader's language; None if what it was about is gone,
    or, when `sending`, if the kind says it may no longer leave."""
    spec = notice_kind(notification.kind)
    about = spec.load(notification.about_id)
    if about is None or (sending and not spec.sendable(about)):
        return None
    extra = notification.extra
    params = dict(spec.params(about, extra))
    path = spec.path(about)
    link = f"{settings.SITE_URL}{path}" if path else settings.SITE_URL
    with translation.override(language or language_for(notification.recipient)):
        subject = str(spec.subject) % params if params else str(spec.subject)
        body = str(spec.body) % params if params else str(spec.body)
        sms = str(spec.sms_body) % params if spec.sms_body is not None else f"{subject} {link}"
    return Rendered(subject=subject, body=body, link=link, sms=sms)


# --- The sweep: what a dead worker left, what quiet hours held back ----------------------


def deliveries_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Free claims that outlived their worker and queue what is due and not being worked on.
    Safe to run at any time and from several places: a delivery is only ever sent by the
    worker whose conditional update claimed it."""
    now = now or timezone.now()
    reclaimed = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - timedelta(seconds=CLAIM_SECONDS)
    ).update(status=Delivery.Status.PENDING, queued_at=None)
    due = list(
        Delivery.objects.filter(
            Q(queued_at__isnull=True) | Q(queued_at__lt=now - timedelta(seconds=REQUEUE_SECONDS)),
            status=Delivery.Status.PENDING,
            timing=Timing.INSTANT,
            due_at__lte=now,
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:5000]
    )
    if due:
        deliveries_queue(due)
    return {"reclaimed": reclaimed, "queued": len(due)}


# --- Digests -------------------------------------------------------------------------------


def _period(timing: str, moment: datetime) -> tuple[str, datetime]:
    """The period a moment falls in (its label) and when it ends, in the moment's zone."""
    day = moment.date()
    if timing == Timing.DAILY:
        start = day
        length = timedelta(days=1)
        label = day.isoformat()
    else:
        start = day - timedelta(days=day.weekday())
        length = timedelta(days=7)
        year, week, _weekday = day.isocalendar()
        label = f"{year}-W{week:02d}"
    end = datetime.combine(start + length, time(0), tzinfo=moment.tzinfo)
    return label, end


def digests_send(*, now: datetime | None = None) -> int:
    """Send each digest whose period has ended: one per person, channel and period, grouped
    by network and kind; never an empty one. Returns how many went."""
    now = now or timezone.now()
    pending = (
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, timing__in=[Timing.DAILY, Timing.WEEKLY]
        )
        .select_related("notification__recipient__network", "notification__recipient__user")
        # By kind, then time: a digest's lines under each network come grouped by kind.
        .order_by("notification__kind", "notification__created_at", "pk")
    )
    groups: dict[DigestKey, list[Delivery]] = defaultdict(list)
    for delivery in pending:
        member = delivery.notification.recipient
        zone = zone_of(member.network)
        local = delivery.notification.created_at.astimezone(zone)
        label, ends = _period(delivery.timing, local)
        if ends <= now:
            period = DigestKey(member.user_id, delivery.channel, delivery.timing, label, zone.key)
            groups[period].append(delivery)
    sent = 0
    for period, deliveries in groups.items():
        members = {d.notification.recipient_id: d.notification.recipient for d in deliveries}
        if period.channel != Channel.EMAIL and any(
            _quiet_hours_end(member, now) for member in members.values()
        ):
            continue  # a text or push summary waits for quiet hours to end, as instant ones do
        sent += _digest_send(period, deliveries)
    return sent


class DigestKey(NamedTuple):
    user_id: int
    channel: str
    timing: str
    period: str
    zone: str


def _digest_claim(key: DigestKey, ids: list[int]) -> Digest | None:
    """Make the period's digest and claim its deliveries, or take over one whose worker died
    while sending it (its deliveries were given back by the sweep and still point at it).
    None when another worker is on it or it went out already. Claims are stamped with the
    clock, not the run's start, since the sweep measures them against the clock."""
    now = timezone.now()
    try:
        with transaction.atomic():
            digest = Digest.objects.create(**key._asdict(), created_at=now, claimed_at=now)
            claimed = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.SENDING, claimed_at=now, digest=digest
            )
        return digest if claimed else None
    except IntegrityError:
        pass
    stale = Digest.objects.filter(
        **key._asdict(),
        status=Digest.Status.SENDING,
        claimed_at__lt=now - timedelta(seconds=CLAIM_SECONDS),
    ).first()
    if stale is None:
        return None  # another worker is sending it, or it was sent
    with transaction.atomic():
        # The conditional update is the claim: of two workers taking over, one wins.
        if not Digest.objects.filter(pk=stale.pk, claimed_at=stale.claimed_at).update(
            claimed_at=now
        ):
            return None
        claimed = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, claimed_at=now, digest=stale
        )
    return stale if claimed else None


def _digest_send(period: DigestKey, deliveries: list[Delivery]) -> int:
    channel = period.channel
    digest = _digest_claim(period, [d.pk for d in deliveries])
    if digest is None:
        return 0
    member = deliveries[0].notification.recipient
    # network -> kind -> lines, so each network's news reads kind by kind.
    lines: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for delivery in deliveries:
        notification = delivery.notification
        rendered = notification_render(notification, sending=True)
        if rendered is not None:
            network = notification.recipient.network.name
            lines[network][notification.kind].append(f"- {rendered.subject}: {rendered.link}")
    done = {"status": Delivery.Status.SENT, "sent_at": timezone.now()}
    if not lines:  # everything it would have said is gone: no empty digest
        Delivery.objects.filter(digest=digest).update(status=Delivery.Status.SKIPPED)
        Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.SENT)
        return 0
    count = sum(len(items) for kinds in lines.values() for items in kinds.values())
    with translation.override(language_for(member)):
        subject = ngettext(
            "%(count)d thing happened in your networks",
            "%(count)d things happened in your networks",
            count,
        ) % {"count": count}
        body = "\n\n".join(
            f"{name}\n" + "\n".join(line for items in kinds.values() for line in items)
            for name, kinds in lines.items()
        )
    rendered = Rendered(
        subject=subject, body=body, link=f"{settings.SITE_URL}/notifications/", sms=""
    )
    key = f"mutualaid-digest-{digest.pk}"
    try:
        if channel == Channel.EMAIL and member.user.email:
            email_send(member.user.email, rendered, key=key, network_name="mutualaid")
        elif channel == Channel.SMS and (number := sms_number_for(member)):
            sms_send(number, f"{subject}: {rendered.link}", key=key)
        elif channel == Channel.PUSH:
            _push(member, rendered, key=key)
    except (PermanentFailure, SmsRefused) as error:
        reason = (
            gettext_noop("the text message service refused the number")
            if isinstance(error, SmsRefused)
            else str(error)
        )
        Delivery.objects.filter(digest=digest).update(
            status=Delivery.Status.FAILED, error=reason[:200]
        )
        Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.FAILED)
        return 0
    except (TemporaryFailure, SmsUnavailable):
        # Give the deliveries back; the next run makes a digest for the period again.
        Delivery.objects.filter(digest=digest).update(status=Delivery.Status.PENDING, digest=None)
        Digest.objects.filter(pk=digest.pk).delete()
        return 0
    Delivery.objects.filter(digest=digest).update(**done)
    Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.SENT, sent_at=timezone.now())
    return 1


# --- What a member does with their notifications --------------------------------------------


def notification_mark_read(
    *, user: Any, notification_id: int, member: Member | None = None
) -> Notification:
    """Mark one of the person's notifications read (of one membership when `member` is
    given, as an API token scoped to it asks); NotFound for anyone else's. Reading it again
    keeps the first time."""
    notification = access_notification(user=user, notification_id=notification_id, member=member)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user: Any, member: Member | None = None) -> int:
    """Mark everything unread read, across the person's networks or for one membership;
    returns how many were unread."""
    rows = Notification.objects.filter(recipient__user=user, read_at__isnull=True)
    if member is not None:
        rows = rows.filter(recipient=member)
    return rows.update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, member: Member, choices: dict[str, str]) -> int:
    """Save "kind:channel" -> timing choices; refuses unknown kinds, channels and timings, and
    turning off what cannot be turned off. Returns how many choices were saved."""
    errors: dict[str, list[str]] = {}
    rows = []
    for key, timing in choices.items():
        kind_name, _sep, channel = key.rpartition(":")
        try:
            spec = notice_kind(kind_name)
        except LookupError:
            errors[key] = [_("There is no such kind of notification.")]
            continue
        if channel not in Channel.values or timing not in Timing.values:
            errors[key] = [_("Choose one of the offered options.")]
        elif not spec.in_app:
            # A phone code proves the member holds that number; sent anywhere else, it would
            # let someone verify a number that is not theirs.
            errors[key] = [_("This notification is not a choice: it goes only to your phone.")]
        elif spec.mandatory and timing == Timing.OFF and spec.defaults.get(channel) != Timing.OFF:
            errors[key] = [_("This notification cannot be turned off.")]
        else:
            rows.append((spec.name, channel, timing))
    if errors:
        raise InvalidInput(_("Some choices could not be saved."), fields=errors)
    for kind_name, channel, timing in rows:
        Preference.objects.update_or_create(
            member=member, kind=kind_name, channel=channel, defaults={"timing": timing}
        )
    return len(rows)


def quiet_hours_set(*, member: Member, starts: time | None, ends: time | None) -> None:
    """Set the member's quiet hours, or clear them when either end is missing."""
    if starts is None or ends is None or starts == ends:
        QuietHours.objects.filter(member=member).delete()
        return
    QuietHours.objects.update_or_create(member=member, defaults={"starts": starts, "ends": ends})


@transaction.atomic
def notification_settings_set(
    *,
    member: Member,
    choices: dict[str, str],
    quiet_hours: tuple[time | None, time | None] | None = None,
) -> int:
    """Save a member's settings for one network at once: the "kind:channel" -> timing choices
    that differ from what they have now (so the kinds' defaults keep applying to the rest),
    and quiet hours when given ((None, None) clears them). Nothing is saved when anything is
    refused. Returns how many choices changed."""
    current = {
        f"{row.kind.name}:{channel}": timing
        for row in preference_rows(member)
        for channel, timing in row.timings.items()
    }
    changed = {key: timing for key, timing in choices.items() if current.get(key) != timing}
    if quiet_hours is not None:
        starts, ends = quiet_hours
        if (starts is None) != (ends is None):
            missing = "quiet_ends" if ends is None else "quiet_starts"
            raise InvalidInput(
                _("Give both times for quiet hours, or leave both empty."),
                fields={missing: [_("Give both times, or neither.")]},
            )
    saved = preferences_set(member=member, choices=changed) if changed else 0
    if quiet_hours is not None:
        quiet_hours_set(member=member, starts=quiet_hours[0], ends=quiet_hours[1])
    return saved


def push_subscribe(*, user: Any, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    if not endpoint.startswith("https://") or len(endpoint) > 1000:
        raise InvalidInput(_("This is not a push subscription."), fields={"endpoint": ["?"]})
    if not p256dh or not auth or len(p256dh) > 200 or len(auth) > 100:
        raise InvalidInput(_("This is not a push subscription."), fields={"keys": ["?"]})
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def push_unsubscribe(*, user: Any, endpoint: str) -> int:
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted


# --- Keeping the least -------------------------------------------------------------------


def notifications_expire(*, now: datetime | None = None) -> int:
    """Delete notifications older than their network's retention (deliveries go with them)."""
    now = now or timezone.now()
    policies = dict(ChannelPolicy.objects.values_list("network_id", "notification_retention_days"))
    deleted = 0
    for days in sorted(set(policies.values()) | {DEFAULT_RETENTION_DAYS}):
        networks = [pk for pk, d in policies.items() if d == days]
        rows = Notification.objects.filter(created_at__lt=now - timedelta(days=days))
        if days == DEFAULT_RETENTION_DAYS:
            rows = rows.filter(
                ~Q(recipient__network_id__in=list(policies)) | Q(recipient__network_id__in=networks)
            )
        else:
            rows = rows.filter(recipient__network_id__in=networks)
        deleted += rows.delete()[1].get("channels.Notification", 0)
    return deleted
