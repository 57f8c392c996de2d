"""The pantry in the organisers' admin: for looking only. Stock moves only through the
services (intake, distribution, corrections), so that every movement is in the stock log;
the admin pages are read-only and scoped to the networks one organises. Fair-share rules are
changed by proposals, so they are read-only here too."""

from django.contrib import admin

from mutualaid.core.admin_site import ReadOnlyScopedAdmin
from mutualaid.pantry.models import (
    Distribution,
    FairShareRule,
    Household,
    Item,
    Lot,
    OpenHours,
    Reservation,
    StockMovement,
)


@admin.register(Item)
class ItemAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "category", "unit", "on_hand", "reserved", "network")
    list_filter = ("category", "unit")
    search_fields = ("name",)


@admin.register(Lot)
class LotAdmin(ReadOnlyScopedAdmin):
    network_path = "item__network"
    list_display = ("item", "quantity", "expires_on", "source", "location", "received_at")
    list_filter = ("source",)
    list_select_related = ("item",)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyScopedAdmin):
    list_display = ("created_at", "item", "kind", "on_hand_change", "reserved_change", "reason")
    list_filter = ("kind", "reason")
    list_select_related = ("item",)
    raw_id_fields = ("lot", "distribution", "reservation", "actor")


@admin.register(Household)
class HouseholdAdmin(ReadOnlyScopedAdmin):
    list_display = ("code", "created_at")
    search_fields = ("code",)
    raw_id_fields = ("member",)


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "household", "created_at", "override_reason")
    raw_id_fields = ("household", "need", "given_by")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "item", "quantity", "state", "match", "created_at")
    list_filter = ("state",)
    raw_id_fields = ("match",)


@admin.register(FairShareRule)
class FairShareRuleAdmin(ReadOnlyScopedAdmin):
    list_display = ("item", "category", "quantity", "period")


@admin.register(OpenHours)
class OpenHoursAdmin(ReadOnlyScopedAdmin):
    list_display = ("weekday", "opens", "closes")
