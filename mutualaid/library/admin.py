"""The lending library in the organisers' admin: for looking, and the steps organisers take.

Every change goes through the services, so the admin never edits these rows itself: the pages
are read-only (and scoped to the networks one organises), and cancelling a booking, checking
one out or back in, and replacing the calendar feed's secret are actions that call the
services as the organiser's membership in that network, which checks the permission. The
encrypted pickup notes are excluded from every admin page and never loaded.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mutualaid.core.admin_site import ReadOnlyScopedAdmin
from mutualaid.core.errors import DomainError
from mutualaid.library import services
from mutualaid.library.models import Booking, LibraryFeed, Thing, Training
from mutualaid.library.selectors import PRIVATE_THING_FIELDS
from mutualaid.networks.models import Member, Network


def _acting_member(request: HttpRequest, network: Network) -> Member:
    actor = Member.objects.filter(network=network, user=request.user.pk).first()
    if actor is None:
        raise DomainError(_("You are not a member of this network."))
    return actor


def _run_each(
    modeladmin: "admin.ModelAdmin[Any]",
    request: HttpRequest,
    rows: list[tuple[Model, Network]],
    step: Callable[[Member, Any], object],
) -> None:
    """Run a service step for each row as the organiser, and report what was done or refused."""
    done, refused = 0, []
    for row, network in rows:
        try:
            step(_acting_member(request, network), row)
        except DomainError as err:
            refused.append(f"#{row.pk}: {err.message}")
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, ngettext("Done for %(n)d row.", "Done for %(n)d rows.", done) % {"n": done}
        )
    for line in refused:
        modeladmin.message_user(request, line, messages.ERROR)


@admin.register(Thing)
class ThingAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "name", "kind", "condition", "keeper", "is_active", "network")
    list_filter = (
        "is_active",
        "condition",
        "needs_training",
        ("network", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("keeper", "network")
    search_fields = ("name", "kind", "description")
    exclude = PRIVATE_THING_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Thing]:
        return super().get_queryset(request).defer(*PRIVATE_THING_FIELDS)


@admin.register(Booking)
class BookingAdmin(ReadOnlyScopedAdmin):
    network_path = "thing__network"
    list_display = ("id", "thing", "borrower", "starts_at", "ends_at", "state")
    list_filter = ("state",)
    list_select_related = ("thing", "borrower")
    raw_id_fields = ("thing", "borrower")
    date_hierarchy = "starts_at"
    actions = ["cancel_bookings", "check_out_bookings", "return_bookings"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        fields = [f"thing__{name}" for name in PRIVATE_THING_FIELDS]
        return super().get_queryset(request).defer(*fields)

    def _rows(self, queryset: QuerySet[Booking]) -> list[tuple[Model, Network]]:
        return [(b, b.thing.network) for b in queryset.select_related("thing__network")]

    @admin.action(description=_("Cancel the selected bookings"))
    def cancel_bookings(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run_each(
            self,
            request,
            self._rows(queryset),
            lambda actor, b: services.booking_cancel(actor=actor, booking=b),
        )

    @admin.action(description=_("Hand the selected things over (check out)"))
    def check_out_bookings(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run_each(
            self,
            request,
            self._rows(queryset),
            lambda actor, b: services.booking_check_out(actor=actor, booking=b),
        )

    @admin.action(description=_("Take the selected things back (return)"))
    def return_bookings(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run_each(
            self,
            request,
            self._rows(queryset),
            lambda actor, b: services.booking_return(actor=actor, booking=b),
        )


@admin.register(Training)
class TrainingAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "trainee", "trainer", "thing", "kind", "created_at")
    list_select_related = ("trainee", "trainer", "thing")
    raw_id_fields = ("trainee", "trainer", "thing")


@admin.register(LibraryFeed)
class LibraryFeedAdmin(ReadOnlyScopedAdmin):
    list_display = ("network", "created_at")
    exclude = ("token",)
    actions = ["rotate_feeds"]

    @admin.action(description=_("Replace the calendar feeds' secret (old links stop working)"))
    def rotate_feeds(self, request: HttpRequest, queryset: QuerySet[LibraryFeed]) -> None:
        _run_each(
            self,
            request,
            [(f, f.network) for f in queryset.select_related("network")],
            lambda actor, _feed: services.library_feed_rotate(actor=actor),
        )
