"""What reaches a member, and how: one `Notification` per member and event, one `Delivery` per
channel that carries it, the member's choices, and their browsers' push subscriptions.

A notification stores what it is about (a kind and an id), never its words: the words are
rendered when shown or sent, in the reader's language, from the kind's templates, and say
*that* something happened, never where or how to reach anyone (docs/privacy.md)."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualaid.networks.models import Member, Network


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")
    PUSH = "push", _("Browser notification")


class Timing(models.TextChoices):
    INSTANT = "instant", _("Straight away")
    DAILY = "daily", _("In a daily summary")
    WEEKLY = "weekly", _("In a weekly summary")
    OFF = "off", _("Off")


class Notification(models.Model):
    recipient = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    about_id = models.PositiveBigIntegerField()
    # What the kind's templates need beyond the object (JSON-like, never contact details).
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # False for kinds that are not listed in-app (a phone code sent by SMS only).
    listed = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.about_id} for member {self.recipient_id}"


class Digest(models.Model):
    """One summary per person, channel, period and time zone: the unique key is what makes a
    digest go out once, however many workers look at the same period. The zone is in the key
    because a day ends at different moments in networks in different zones; someone in two
    such networks gets one summary for each zone's day. `claimed_at` is when a worker took it
    on: a digest still sending long after that lost its worker and is taken over."""

    class Status(models.TextChoices):
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    timing = models.CharField(max_length=8, choices=Timing.choices)
    period = models.CharField(max_length=16)  # "2026-12-05" or "2026-W49"
    zone = models.CharField(max_length=64, default="UTC")  # the period's time zone
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "timing", "period", "zone"],
                name="digest_once_per_period_and_zone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.timing} digest {self.period} ({self.channel})"


class Delivery(models.Model):
    """A notification on one channel. (notification, channel) is the delivery's key: it is
    claimed with a conditional update before it is sent, so a worker killed mid-send leaves
    a claim that expires and is taken again, and two workers never both send it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("could not be delivered")
        SKIPPED = "skipped", _("nothing to send")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    timing = models.CharField(max_length=8, choices=Timing.choices, default=Timing.INSTANT)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Not before (quiet hours, the next try after a failure).
    due_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    digest = models.ForeignKey(
        Digest, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_key"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="delivery_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "timing", "due_at"], name="delivery_due")]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        """The idempotency key a provider sees: the same on every try of this delivery."""
        return f"mutualaid-{self.notification_id}-{self.channel}"


class Preference(models.Model):
    """A member's choice for one kind on one channel; without a row, the kind's default."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="preferences")
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    timing = models.CharField(max_length=8, choices=Timing.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "channel"], name="preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel}: {self.timing}"


class QuietHours(models.Model):
    """No SMS or push between these times in the network's zone (email waits in the inbox
    anyway); what falls in them goes out when they end."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="quiet_hours")
    starts = models.TimeField(_("quiet from"))
    ends = models.TimeField(_("quiet until"))

    def __str__(self) -> str:
        return f"{self.starts:%H:%M}-{self.ends:%H:%M}"


class PushSubscription(models.Model):
    """A browser a person allowed to show notifications (the Push API's subscription)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"push subscription {self.pk}"

    @property
    def endpoint_hash(self) -> str:
        """What a page may show of the endpoint (a secret): enough for the browser's own
        script to recognise its subscription, by hashing the endpoint it holds."""
        return hashlib.sha256(self.endpoint.encode()).hexdigest()


class ChannelPolicy(models.Model):
    """What a network keeps: notifications are deleted this many days after they were made."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="channel_policy")
    notification_retention_days = models.PositiveSmallIntegerField(
        _("keep notifications for (days)"), default=90
    )

    class Meta:
        verbose_name_plural = "channel policies"

    def __str__(self) -> str:
        return f"notifications kept {self.notification_retention_days} days"
