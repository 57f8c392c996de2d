"""The lending library: things members lend, who may use them, and the bookings that share
them out in time.

Two bookings of one thing never overlap. The database enforces it (an exclusion constraint on
PostgreSQL, triggers on SQLite, both created in migration 0001), so it holds whatever races
the booking service loses; the service checks first only to give a clear message.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from mutualaid.networks.models import Member, Network

# The name of the overlap rule in the database: the exclusion constraint on PostgreSQL and the
# message the SQLite triggers raise. Services recognise a lost race by it.
NO_OVERLAP = "library_booking_no_overlap"
ONE_OUT_PER_THING = "library_booking_one_out_per_thing"


class Thing(models.Model):
    class Condition(models.TextChoices):
        NEW = "new", _("like new")
        GOOD = "good", _("good")
        WORN = "worn", _("worn but works")
        NEEDS_REPAIR = "repair", _("needs repair")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="things")
    # Who looks after the thing and hands it over. Null once they delete their account: the
    # thing stays with the network until an organiser finds it a new keeper.
    keeper = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="things_kept"
    )
    name = models.CharField(_("what is it?"), max_length=120)
    kind = models.SlugField(
        _("kind"),
        max_length=60,
        blank=True,
        help_text=_("A short word shared by things of one kind, e.g. chainsaw."),
    )
    description = models.CharField(_("details"), max_length=1000, blank=True)
    condition = models.CharField(
        _("condition"), max_length=16, choices=Condition.choices, default=Condition.GOOD
    )
    photo = models.ImageField(_("photo"), upload_to="library/things/", blank=True)
    cell = models.CharField(_("neighbourhood"), max_length=16)
    # Where exactly to pick it up: encrypted, shown only to the keeper and to a borrower with a
    # confirmed booking.
    pickup_notes = EncryptedTextField(_("pickup notes"), blank=True, null=True)
    needs_training = models.BooleanField(
        _("only for members trained to use it"),
        default=False,
        help_text=_("Only members trained by another member may book it."),
    )
    is_active = models.BooleanField(_("can be booked"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["network", "is_active", "name"], name="thing_browse_idx")]

    def __str__(self) -> str:
        return self.name


class Training(models.Model):
    """A member vouches that another knows how to use a thing, or every thing of a kind."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="trainings")
    trainee = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="trainings")
    trainer = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainings_given",
    )
    thing = models.ForeignKey(
        Thing, on_delete=models.CASCADE, null=True, blank=True, related_name="trainings"
    )
    kind = models.SlugField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(thing__isnull=False) & Q(kind=""))
                | (Q(thing__isnull=True) & ~Q(kind="")),
                name="training_thing_or_kind",
            ),
            models.UniqueConstraint(
                fields=["trainee", "thing"],
                condition=Q(thing__isnull=False),
                name="training_once_per_thing",
            ),
            models.UniqueConstraint(
                fields=["network", "trainee", "kind"],
                condition=~Q(kind=""),
                name="training_once_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} ← {self.trainer}: {self.thing or self.kind}"


class Booking(models.Model):
    """A time range in which one member has a thing: booked, then out, then returned."""

    class State(models.TextChoices):
        BOOKED = "booked", _("booked")
        OUT = "out", _("borrowed")
        RETURNED = "returned", _("returned")
        CANCELLED = "cancelled", _("cancelled")

    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="bookings")
    borrower = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="bookings")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.BOOKED)
    condition_out = models.CharField(_("condition when lent"), max_length=500, blank=True)
    condition_in = models.CharField(_("condition when returned"), max_length=500, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    due_reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["thing", "state", "starts_at"], name="booking_thing_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_range_order"
            ),
            # A thing is with one borrower at a time, whatever races the keeper's clicks.
            models.UniqueConstraint(
                fields=["thing"], condition=Q(state="out"), name=ONE_OUT_PER_THING
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thing} · {self.starts_at:%Y-%m-%d} → {self.ends_at:%Y-%m-%d}"


# The booking state machine: step -> (states it may start from, state it ends in).
LIVE_BOOKING_STATES = (Booking.State.BOOKED, Booking.State.OUT)
BOOKING_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "check_out": ((Booking.State.BOOKED,), Booking.State.OUT),
    "return": ((Booking.State.OUT,), Booking.State.RETURNED),
    "cancel": ((Booking.State.BOOKED,), Booking.State.CANCELLED),
}


class LibraryFeed(models.Model):
    """The network's secret for its calendar feeds: calendar apps subscribe without signing in,
    so the URL itself is the key. Organisers can replace it."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="library_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"feed of {self.network}"
