"""The pantry: items, lots of stock, the append-only stock log, households, distributions,
reservations for matches, fair-share rules and open hours.

Quantities are whole numbers of an item's unit. `Item.on_hand` and `Item.reserved` are the
stored totals; every change to them or to a lot's quantity is written as a `StockMovement` in
the same transaction, so the totals can always be rebuilt from the log. The database refuses a
negative quantity and a reservation larger than what is on hand (CheckConstraints); services
change quantities only through conditional `UPDATE … WHERE` statements, so a race never oversells.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mutualaid.needs.models import Match, Need
from mutualaid.networks.models import Member, Network


class Unit(models.TextChoices):
    PIECE = "piece", _("pieces")
    KG = "kg", _("kilograms")
    LITRE = "litre", _("litres")
    CAN = "can", _("cans")
    PACK = "pack", _("packs")
    BOX = "box", _("boxes")


class ItemCategory(models.TextChoices):
    GRAINS = "grains", _("grains, pasta and rice")
    BEANS = "beans", _("beans and pulses")
    CANNED = "canned", _("canned food")
    FRESH = "fresh", _("fresh food")
    DAIRY = "dairy", _("dairy and eggs")
    BABY = "baby", _("baby food and formula")
    HYGIENE = "hygiene", _("hygiene")
    OTHER = "other", _("other")


class DietaryTag(models.TextChoices):
    HALAL = "halal", _("halal")
    KOSHER = "kosher", _("kosher")
    VEGETARIAN = "vegetarian", _("vegetarian")
    GLUTEN_FREE = "gluten_free", _("gluten-free")
    BABY = "baby", _("baby")
    HYGIENE = "hygiene", _("hygiene")


class Item(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="pantry_items")
    name = models.CharField(_("name"), max_length=80)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    category = models.CharField(_("category"), max_length=16, choices=ItemCategory.choices)
    dietary_tags = models.JSONField(_("dietary tags"), default=list, blank=True)
    low_stock_below = models.PositiveIntegerField(_("low on stock below"), default=5)
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # A retired item is no longer taken in or given out; its lots and log stay.
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="pantry_item_name_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="pantry_item_on_hand_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="pantry_item_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Lot(models.Model):
    class Source(models.TextChoices):
        DONATION = "donation", _("donation")
        PURCHASE = "purchase", _("purchase")
        FOOD_RESCUE = "food_rescue", _("food rescue")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="lots")
    quantity = models.IntegerField(_("quantity"))
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    location = models.CharField(_("storage location"), max_length=80, blank=True)
    # Optional and free text: "anonymous" is simply left empty.
    donor = models.CharField(_("donor"), max_length=120, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [F("expires_on").asc(nulls_last=True), "received_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="pantry_lot_quantity_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class Household(models.Model):
    """The least a pantry needs to be fair: a label the household is known by (a card number,
    "Blue 14"), optionally the member who collects for it. No names, no addresses."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("household code"), max_length=40)
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pantry_households",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["network", "code"], name="pantry_household_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class Distribution(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="distributions")
    need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    given_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"distribution {self.pk}"


class DistributionLine(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="lines")
    # Items are never deleted on their own (no service does), only with their network.
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="pantry_line_quantity_gte_1")
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class Reservation(models.Model):
    """Stock held for a match on a groceries need; released if the match ends without help."""

    class State(models.TextChoices):
        HELD = "held", _("held")
        FULFILLED = "fulfilled", _("given out")
        RELEASED = "released", _("released")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reservations")
    match = models.ForeignKey(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.HELD)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="pantry_reservation_quantity_gte_1"
            ),
            models.UniqueConstraint(
                fields=["match", "item"],
                condition=Q(state="held"),
                name="pantry_reservation_one_held_per_match_item",
            ),
        ]

    def __str__(self) -> str:
        return f"reservation {self.pk}"


class StockMovement(models.Model):
    """The append-only stock log. Nothing updates or deletes a row; corrections are new rows."""

    class Kind(models.TextChoices):
        INTAKE = "intake", _("intake")
        DISTRIBUTION = "distribution", _("distribution")
        RESERVATION = "reservation", _("reservation")
        RELEASE = "release", _("reservation released")
        ADJUSTMENT = "adjustment", _("adjustment")

    class Reason(models.TextChoices):
        NONE = "", _("none")
        SPOILED = "spoiled", _("spoiled")
        MISCOUNTED = "miscounted", _("miscounted")
        DAMAGED = "damaged", _("damaged")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="movements")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on_hand_change = models.IntegerField(default=0)
    reserved_change = models.IntegerField(default=0)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    note = models.CharField(max_length=200, blank=True)
    distribution = models.ForeignKey(
        Distribution, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} {self.on_hand_change:+d}"


class FairShareRule(models.Model):
    """At most `quantity` of an item (or of a category) per household per period."""

    class Period(models.TextChoices):
        DAY = "day", _("a day")
        WEEK = "week", _("a week")
        MONTH = "month", _("a month")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, null=True, blank=True, related_name="rules"
    )
    category = models.CharField(max_length=16, choices=ItemCategory.choices, blank=True)
    quantity = models.PositiveIntegerField()
    period = models.CharField(max_length=8, choices=Period.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(item__isnull=False) & Q(category=""))
                | (Q(item__isnull=True) & ~Q(category="")),
                name="pantry_rule_item_xor_category",
            ),
            models.UniqueConstraint(
                fields=["network", "item"],
                condition=Q(item__isnull=False),
                name="pantry_rule_one_per_item",
            ),
            models.UniqueConstraint(
                fields=["network", "category"],
                condition=Q(item__isnull=True),
                name="pantry_rule_one_per_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item or self.category}: {self.quantity} {self.period}"


class OpenHours(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = _("open hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="pantry_hours_weekday"),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="pantry_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}-{self.closes}"


class PantrySettings(models.Model):
    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="+")
    weekly_household_slots = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"pantry settings {self.network_id}"


class AlertSubscription(models.Model):
    """A member asked for low-stock and expiring-soon emails."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"alerts for {self.member_id}"
