"""Listeners on request: a member asks for a conversation, a trained listener (a member who
holds `care.listen`) takes it, and the two talk in a private thread encrypted at rest that is
deleted after the request's retention, like a circle's posts.

The requester is held only as a link from the request to their membership row. Listener-facing
pages, API responses, emails, logs and the admin never follow it: listeners see the per-request
pseudonym (or, if the requester chose so, their display name) once they have taken it, and
nothing that identifies them in the queue.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from mutualaid.care.models import Circle
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.networks.models import Member, Network

CAP_MIN, CAP_MAX, CAP_DEFAULT = 1, 20, 3


class ListenerSettings(models.Model):
    """A listener's own limits: how many conversations a rolling week, in which languages,
    and whether they want to hear about new requests. The row is also what a take locks, so
    that two takes by one listener at once never pass the cap together."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="listener_settings"
    )
    weekly_cap = models.PositiveSmallIntegerField(
        _("conversations a week I can take"), default=CAP_DEFAULT
    )
    languages = models.JSONField(_("languages I listen in"), default=list, blank=True)
    available = models.BooleanField(_("tell me about new requests"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_cap__gte=CAP_MIN) & Q(weekly_cap__lte=CAP_MAX),
                name="listener_weekly_cap_range",
            )
        ]

    def __str__(self) -> str:
        return f"listener settings #{self.pk}"


class ListenRequest(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("waiting for a listener")
        TAKEN = "taken", _("in conversation")
        CLOSED = "closed", _("closed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Retention(models.IntegerChoices):
        WEEK = 7, _("7 days")
        MONTH = 30, _("30 days")
        QUARTER = 90, _("90 days")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="listen_requests")
    # Who asked. Read only by the requester's own views and the data export.
    requester = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="listen_requests")
    pseudonymous = models.BooleanField(_("use a pseudonym"), default=True)
    # Derived from an HMAC of (request, member) under MUTUALAID_PSEUDONYM_KEY.
    pseudonym = models.CharField(max_length=60)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    preferred_time = models.CharField(_("when suits you"), max_length=120)
    about = EncryptedTextField(_("what it is about (optional)"), blank=True, null=True)
    retention_days = models.PositiveSmallIntegerField(
        _("messages are deleted after"), choices=Retention.choices, default=Retention.MONTH
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    listener = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="listen_conversations",
    )
    notes_consent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the request and all that is left of it goes: set for an open request (unanswered
    # requests do not wait forever) and when it is closed or withdrawn; empty while taken.
    delete_after = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_days__in=[7, 30, 90]), name="listen_retention_choice"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "withdrawn"])
                | Q(listener__isnull=False)
                | Q(taken_at__isnull=False),
                name="listen_taken_has_taker",
            ),
            models.CheckConstraint(
                condition=~Q(listener=models.F("requester")), name="listen_not_self"
            ),
        ]
        indexes = [models.Index(fields=["network", "state"], name="listen_queue_idx")]

    def __str__(self) -> str:
        # Never the requester: an admin or log line must not name them.
        return f"listening request #{self.pk}"


class ListenMessage(models.Model):
    class Side(models.TextChoices):
        REQUESTER = "requester", _("the person who asked")
        LISTENER = "listener", _("the listener")

    class Kind(models.TextChoices):
        TEXT = "text", _("message")
        CONTACT = "contact", _("shared contact details")

    request = models.ForeignKey(ListenRequest, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=16, choices=Side.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEXT)
    body = EncryptedTextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"listening message #{self.pk}"


class ListenNote(models.Model):
    """A listener's note on a conversation, kept only with the requester's consent; the
    requester reads every one. Withdrawing consent deletes them."""

    request = models.ForeignKey(ListenRequest, on_delete=models.CASCADE, related_name="notes")
    body = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"listening note #{self.pk}"


class DebriefCircle(models.Model):
    """The network's listeners' debrief circle: an ordinary care circle that only current
    listeners may be in."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="debrief")
    circle = models.OneToOneField(Circle, on_delete=models.CASCADE, related_name="debrief")

    def __str__(self) -> str:
        return f"debrief circle of {self.network}"
