"""Needs, offers and matches in the organisers' admin: for looking, and one moderation step.

Every change goes through the services, so the admin never edits these rows itself: the pages
are read-only (and scoped to the networks one organises), and closing a need is an action that
calls `need_close` as the organiser's membership in that network, which checks the permission.
The encrypted address and phone are excluded from every admin page and never loaded.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mutualaid.core.admin_site import ReadOnlyScopedAdmin
from mutualaid.core.errors import DomainError
from mutualaid.needs import services
from mutualaid.needs.models import AnonymousTally, Match, Need, Offer
from mutualaid.needs.selectors import PRIVATE_NEED_FIELDS
from mutualaid.networks.models import Member

# Filters list only the categories and networks of rows the organiser may see.
ONLY_USED = admin.RelatedOnlyFieldListFilter


@admin.register(Need)
class NeedAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "category", "urgency", "status", "network", "created_at")
    list_filter = ("status", ("category", ONLY_USED), "urgency", ("network", ONLY_USED))
    list_select_related = ("category", "network")
    search_fields = ("description",)
    date_hierarchy = "created_at"
    exclude = PRIVATE_NEED_FIELDS
    actions = ["close_needs"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Need]:
        return super().get_queryset(request).defer(*PRIVATE_NEED_FIELDS)

    @admin.action(description=_("Close the selected needs (as a moderator)"))
    def close_needs(self, request: HttpRequest, queryset: QuerySet[Need]) -> None:
        closed, refused = 0, []
        for need in queryset.select_related("network"):
            actor = Member.objects.filter(network=need.network, user=request.user.pk).first()
            try:
                if actor is None:
                    raise DomainError(_("You are not a member of this network."))
                services.need_close(actor=actor, need=need)
            except DomainError as err:
                refused.append(f"#{need.pk}: {err.message}")
            else:
                closed += 1
        if closed:
            self.message_user(
                request,
                ngettext("Closed %(n)d need.", "Closed %(n)d needs.", closed) % {"n": closed},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.ERROR)


@admin.register(Offer)
class OfferAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "title", "kind", "category", "status", "network", "created_at")
    list_filter = ("status", "kind", ("category", ONLY_USED), ("network", ONLY_USED))
    list_select_related = ("category", "network")
    search_fields = ("title", "description")


@admin.register(Match)
class MatchAdmin(ReadOnlyScopedAdmin):
    network_path = "need__network"
    list_display = ("id", "need", "helper", "state", "created_at", "done_at")
    list_filter = ("state",)
    list_select_related = ("need__category", "helper")
    raw_id_fields = ("need", "helper", "offer")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Match]:
        fields = [f"need__{name}" for name in PRIVATE_NEED_FIELDS]
        return super().get_queryset(request).defer(*fields)


@admin.register(AnonymousTally)
class AnonymousTallyAdmin(ReadOnlyScopedAdmin):
    list_display = ("network", "category_slug", "needs_asked", "helps_given")
    list_filter = (("network", ONLY_USED),)
