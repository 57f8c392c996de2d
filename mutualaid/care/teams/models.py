"""Care teams: neighbours organise around one person (the recipient) with a calendar of slots.

The recipient controls the team: who is on it, what is shared, pausing and closing. When the
person at the centre has no account, the trusted member who set the team up holds those
controls. The details (dietary needs, address, door code, notes, and each slot's own address
and details) are encrypted at rest, seen only by the team's active members, and deleted the
moment the team closes.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField

from mutualaid.networks.models import Member, Network

# The team-wide details the recipient may choose to share, in the order pages show them.
SHARED_DETAILS = ("dietary_needs", "address", "door_code", "notes")


class CareTeam(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("waiting for the recipient to accept")
        # A context of their own: in Spanish a team is masculine, a need feminine.
        ACTIVE = "active", pgettext_lazy("care team", "active")
        PAUSED = "paused", pgettext_lazy("care team", "paused")
        CLOSED = "closed", pgettext_lazy("care team", "closed")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="care_teams")
    name = models.CharField(_("name"), max_length=120)
    purpose = models.CharField(_("what it is for"), max_length=200, blank=True)
    # The person at the centre; null when they have no account (then `created_by` holds the
    # recipient's controls).
    recipient = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="care_teams_at_centre",
    )
    created_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, related_name="care_teams_set_up"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    closes_on = models.DateField(_("the team closes on"), null=True, blank=True)
    dietary_needs = EncryptedTextField(_("dietary needs"), blank=True, null=True)
    address = EncryptedTextField(_("address"), blank=True, null=True)
    door_code = EncryptedCharField(_("door code"), max_length=60, blank=True, null=True)
    notes = EncryptedTextField(_("other notes"), blank=True, null=True)
    share_dietary_needs = models.BooleanField(_("share the dietary needs"), default=False)
    share_address = models.BooleanField(_("share the address"), default=False)
    share_door_code = models.BooleanField(_("share the door code"), default=False)
    share_notes = models.BooleanField(_("share the other notes"), default=False)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["proposed", "active", "paused", "closed"]),
                name="care_team_state_choice",
            ),
            models.CheckConstraint(
                condition=(Q(state="closed") & Q(closed_at__isnull=False))
                | (~Q(state="closed") & Q(closed_at__isnull=True)),
                name="care_team_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def controller_id(self) -> int | None:
        """Who holds the recipient's controls: the recipient, or their trusted person."""
        return self.recipient_id or self.created_by_id


class TeamMembership(models.Model):
    class State(models.TextChoices):
        INVITED = "invited", _("invited")
        ACTIVE = "active", _("on the team")
        REMOVED = "removed", _("removed")
        LEFT = "left", _("left")

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="care_team_memberships"
    )
    state = models.CharField(max_length=16, choices=State.choices)
    is_coordinator = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "member"], name="care_team_member_once"),
            models.CheckConstraint(
                condition=Q(is_coordinator=False) | Q(state="active"),
                name="care_team_coordinator_is_active",
            ),
        ]

    def __str__(self) -> str:
        return f"team membership #{self.pk}"


class Slot(models.Model):
    class Kind(models.TextChoices):
        MEAL = "meal", _("meal")
        RIDE = "ride", _("ride to an appointment")
        PRESCRIPTION = "prescription", _("prescription pick-up")
        VISIT = "visit", _("visit")
        CHILDCARE = "childcare", _("childcare")
        OTHER = "other", _("other")

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="slots")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    # Seen only by the team's active members; deleted when the slot is cancelled or the team
    # closes.
    address = EncryptedTextField(_("address"), blank=True, null=True)
    details = EncryptedTextField(_("details"), blank=True, null=True)
    volunteer = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="care_team_slots",
    )
    signed_up_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    flagged_empty_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="care_slot_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["meal", "ride", "prescription", "visit", "childcare", "other"]
                ),
                name="care_slot_kind_choice",
            ),
        ]

    def __str__(self) -> str:
        return f"slot #{self.pk}"
