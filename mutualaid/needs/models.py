from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField

from mutualaid.networks.models import Category, Member, Network


class Need(models.Model):
    class Urgency(models.TextChoices):
        TODAY = "today", _("Today")
        THIS_WEEK = "week", _("This week")
        FLEXIBLE = "flexible", _("Flexible")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MATCHED = "matched", _("someone is helping")
        DONE = "done", _("done")
        CLOSED = "closed", _("closed")
        EXPIRED = "expired", _("expired")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="needs")
    requester = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="needs")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="needs")
    description = models.CharField(_("what do you need?"), max_length=500)
    urgency = models.CharField(
        _("how urgent"), max_length=16, choices=Urgency.choices, default=Urgency.THIS_WEEK
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    cell = models.CharField(_("neighbourhood"), max_length=16)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # Exact details: encrypted at rest, shown only to the accepted helper of an open match.
    address = EncryptedTextField(_("exact address"), blank=True, null=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True, null=True)
    for_someone_else = models.BooleanField(_("I am asking for someone else"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    still_needed_asked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["network", "status", "-created_at"], name="need_browse_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gt=F("window_start")), name="need_window_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.description[:40]}"


class Offer(models.Model):
    class Kind(models.TextChoices):
        SKILL = "skill", _("A skill")
        TIME = "time", _("Time")
        ITEM = "item", _("An item")
        SPACE = "space", _("A space")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="offers")
    helper = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="offers")
    kind = models.CharField(_("what kind"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="offers", null=True, blank=True
    )
    title = models.CharField(_("what can you give?"), max_length=120)
    description = models.CharField(_("details"), max_length=1000, blank=True)
    capacity = models.PositiveSmallIntegerField(_("how many times a week"), default=1)
    availability = models.JSONField(_("when"), default=list, blank=True)
    radius_km = models.PositiveSmallIntegerField(_("how far (km)"), default=3)
    cell = models.CharField(_("neighbourhood"), max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=100), name="offer_capacity_range"
            ),
            models.CheckConstraint(condition=Q(radius_km__lte=200), name="offer_radius_range"),
        ]

    def __str__(self) -> str:
        return self.title


class Match(models.Model):
    """One helper's offer to help with one need, from proposal to done."""

    class State(models.TextChoices):
        SUGGESTED = "suggested", _("suggested to the helper, waiting for their answer")
        PROPOSED = "proposed", _("offered, waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DECLINED = "declined", _("not taken up")
        RELEASED = "released", _("released by the helper")
        CANCELLED = "cancelled", _("cancelled")
        PASSED = "passed", _("the helper could not take it")
        EXPIRED = "expired", _("not answered in time")

    class Origin(models.TextChoices):
        HELPER = "helper", _("the helper offered")
        ENGINE = "engine", _("suggested by matching")
        ASKED = "asked", _("a member asked the helper")

    class Side(models.TextChoices):
        REQUESTER = "requester", _("requester")
        HELPER = "helper", _("helper")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    # Null once the helper deletes their account: the requester keeps the record.
    helper = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="matches"
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.SET_NULL, null=True, blank=True, related_name="matches"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PROPOSED)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.HELPER)
    # For a suggestion: the facts behind it, as (fact, value) pairs from the matching engine,
    # translated only when shown. Never free text, never an address.
    explanation = models.JSONField(default=list, blank=True)
    # A suggestion lapses if the helper has not answered by then.
    expires_at = models.DateTimeField(null=True, blank=True)
    # When the requester was first offered this help. A suggestion the helper has not said yes
    # to is between the helper and matching: the requester never sees it.
    offered_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(_("message to the requester"), max_length=500, blank=True)
    release_reason = models.CharField(max_length=500, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_by = models.CharField(max_length=16, choices=Side.choices, blank=True)
    requester_confirmed_done = models.BooleanField(default=False)
    helper_confirmed_done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("matches")
        constraints = [
            # A helper has at most one live offer per need (a double submit cannot add a second).
            models.UniqueConstraint(
                fields=["need", "helper"],
                condition=Q(state__in=["suggested", "proposed", "accepted", "in_progress"]),
                name="match_one_live_per_helper",
            ),
            # A need has at most one accepted helper, whatever races the requester's clicks.
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(state__in=["accepted", "in_progress"]),
                name="match_one_accepted_per_need",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} ← {self.helper} ({self.state})"


# The match state machine: action -> (states it may start from, state it ends in, who may do it).
# Services read this table; nothing else decides which step is legal. A step no person may
# take (empty sides) is taken by the system: a sweep, or a need or block that ends it.
LIVE_STATES = (
    Match.State.SUGGESTED,
    Match.State.PROPOSED,
    Match.State.ACCEPTED,
    Match.State.IN_PROGRESS,
)
OPEN_MATCH_STATES = (Match.State.ACCEPTED, Match.State.IN_PROGRESS)
OFFERED_LIVE_STATES = (Match.State.PROPOSED, *OPEN_MATCH_STATES)
# Ways a match can end without help. A (need, helper) pair that ever ended one of these ways is
# never suggested again for that need.
ENDED_WITHOUT_HELP = (
    Match.State.DECLINED,
    Match.State.PASSED,
    Match.State.EXPIRED,
    Match.State.RELEASED,
    Match.State.CANCELLED,
)
MATCH_TRANSITIONS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    # A suggestion: the helper says "yes, I can help" (the requester is then offered the help,
    # as if the helper had offered it) or "not this time". Unanswered, it lapses.
    "agree": ((Match.State.SUGGESTED,), Match.State.PROPOSED, ("helper",)),
    "pass": ((Match.State.SUGGESTED,), Match.State.PASSED, ("helper",)),
    "lapse": ((Match.State.SUGGESTED,), Match.State.EXPIRED, ()),
    # The need was met, closed or expired, or one side blocked the other.
    "withdraw": ((Match.State.SUGGESTED,), Match.State.CANCELLED, ()),
    "accept": ((Match.State.PROPOSED,), Match.State.ACCEPTED, ("requester",)),
    "decline": ((Match.State.PROPOSED,), Match.State.DECLINED, ("requester",)),
    "start": ((Match.State.ACCEPTED,), Match.State.IN_PROGRESS, ("requester", "helper")),
    # confirm_done ends in DONE only once both sides have confirmed; see match_confirm_done.
    "confirm_done": ((Match.State.IN_PROGRESS,), Match.State.DONE, ("requester", "helper")),
    "release": (OPEN_MATCH_STATES, Match.State.RELEASED, ("helper",)),
    "cancel": (OFFERED_LIVE_STATES, Match.State.CANCELLED, ("requester", "helper")),
}

# Need transitions, the same way: action -> (from statuses, to status).
NEED_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "match": ((Need.Status.OPEN,), Need.Status.MATCHED),
    "reopen": ((Need.Status.MATCHED,), Need.Status.OPEN),
    "complete": ((Need.Status.MATCHED,), Need.Status.DONE),
    "close": ((Need.Status.OPEN, Need.Status.MATCHED), Need.Status.CLOSED),
    "expire": ((Need.Status.OPEN,), Need.Status.EXPIRED),
}


class Block(models.Model):
    """One member will not be matched with another, either way round. Only the blocker sees it;
    the other person is never told, and errors never say which of the two blocked."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    blocker = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"block {self.pk}"


class AnonymousTally(models.Model):
    """What departed members asked for and gave, as bare counts per category.

    When a member deletes their account their needs and offers go; the network keeps only
    these numbers, with nothing that points back to a person.
    """

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="tallies")
    category_slug = models.SlugField(max_length=60)
    needs_asked = models.PositiveIntegerField(default=0)
    helps_given = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "category_slug"], name="tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category_slug}: {self.needs_asked} asked, {self.helps_given} given"
