"""The pages for needs, offers and matches.

Each view parses input with a form, fetches with an `access_*` selector, calls one service and
renders. The rules live in services.py: a DomainError they raise is shown on the form it came
from, with its status. Pages work without JavaScript; with htmx, the needs filter swaps the
list in place and match steps swap the match card.
"""

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutualaid.core.errors import DomainError
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.core.pagecache import cached_member_page
from mutualaid.needs import services
from mutualaid.needs.explanations import explanation_phrases
from mutualaid.needs.forms import (
    MatchStepForm,
    NeedFilterForm,
    NeedForm,
    OfferFilterForm,
    OfferForm,
    OfferHelpForm,
    OfferStatusForm,
    StillNeededForm,
    neighbourhood_choices,
)
from mutualaid.needs.models import (
    LIVE_STATES,
    MATCH_TRANSITIONS,
    NEED_TRANSITIONS,
    OPEN_MATCH_STATES,
    Match,
    Need,
    Offer,
)
from mutualaid.needs.selectors import (
    PrivateDetails,
    access_block,
    access_match,
    access_member,
    access_need,
    access_offer,
    blocks_of_member,
    matches_of_member,
    matches_on_need,
    need_distance_km,
    need_private_details,
    needs_browse,
    offers_browse,
    offers_of_member,
)
from mutualaid.networks.decorators import member_page
from mutualaid.networks.models import DAY_PARTS, DAYS, Member, Network
from mutualaid.networks.permissions import can
from mutualaid.networks.selectors import categories_active, neighbourhoods_of

log = logging.getLogger(__name__)
PAGE_SIZE = 25
FINISHED_MATCHES_SHOWN = 50
LANGUAGE_LABELS = dict(LANGUAGE_CHOICES)
View = Callable[..., HttpResponse]


# --- Shared helpers -------------------------------------------------------------------------


def _zone(network: Network) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(network.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def network_time(view: View) -> View:
    """Read and show times in the network's zone: a datetime-local "14:00" means 14:00 there."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with timezone.override(_zone(request.network)):  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

    return wrapper


def _show_error(form: forms.Form, err: DomainError) -> int:
    """Put a service's error on the form: its message on top, its fields beside the inputs.
    Returns the status to answer with."""
    form.add_error(None, err.message)
    for field, field_messages in getattr(err, "fields", {}).items():
        if field in form.fields:
            for message in field_messages or [err.message]:
                form.add_error(field, message)
    return err.status


def _wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _render_maybe_partial(
    request: HttpRequest, full: str, partial: str, context: dict[str, Any], status: int
) -> HttpResponse:
    template = partial if _wants_partial(request) else full
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _cell_choices(member: Member) -> list[tuple[str, str]]:
    return neighbourhood_choices(neighbourhoods_of(network=member.network), member.cell)


def _area_names(network: Network) -> dict[str, str]:
    return dict(neighbourhoods_of(network=network).values_list("cell", "name"))


def _redirect_to_need(request: HttpRequest, need_id: int) -> HttpResponse:
    return redirect("needs:need_detail", slug=request.network.slug, need_id=need_id)  # type: ignore[attr-defined]


def _language_labels(codes: list[str]) -> list[str]:
    return [str(LANGUAGE_LABELS[code]) for code in codes if code in LANGUAGE_LABELS]


# --- Needs ----------------------------------------------------------------------------------


# The query parameters the needs list understands (its filters and the page number).
NEED_LIST_PARAMS = frozenset({"category", "urgency", "language", "near", "page"})


@dataclass(frozen=True)
class NeedCard:
    """What one line of the needs list shows, computed without touching private fields."""

    need: Need
    area: str
    distance_km: float | None
    languages: list[str]


def _need_card(member: Member, need: Need, area_names: dict[str, str]) -> NeedCard:
    return NeedCard(
        need=need,
        area=area_names.get(need.cell, ""),
        distance_km=need_distance_km(member=member, need=need),
        languages=_language_labels(need.languages),
    )


@require_GET
@cached_member_page(params=NEED_LIST_PARAMS)
@member_page
@network_time
def need_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    form = NeedFilterForm(request.GET, categories=categories_active(network=member.network))
    if form.is_valid():
        needs = needs_browse(member=member, **form.browse_filters())
        status = 200
    else:
        needs = Need.objects.none()
        status = 400
    page = Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page"))
    area_names = _area_names(member.network)
    context = {
        "filter_form": form,
        "page_obj": page,
        "cards": [_need_card(member, need, area_names) for need in page.object_list],
    }
    return _render_maybe_partial(
        request, "needs/need_list.html", "needs/_need_list.html", context, status
    )


def _need_initial(member: Member) -> dict[str, Any]:
    now = timezone.now().replace(second=0, microsecond=0)
    return {
        "window_start": now,
        "window_end": now + timedelta(days=3),
        "cell": member.cell,
        "languages": member.languages,
    }


@require_http_methods(["GET", "POST"])
@member_page
@network_time
def need_create(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    form = NeedForm(
        request.POST if request.method == "POST" else None,
        categories=categories_active(network=member.network),
        cell_choices=_cell_choices(member),
        initial=_need_initial(member),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                need = services.need_create(actor=member, **form.cleaned_data)
            except DomainError as err:
                status = _show_error(form, err)
            else:
                messages.success(
                    request, _("Your need is posted. We will tell you when someone offers to help.")
                )
                return _redirect_to_need(request, need.pk)
    return render(request, "needs/need_form.html", {"form": form}, status=status)


def _side(member: Member, match: Match) -> str:
    return Match.Side.REQUESTER if match.need.requester_id == member.pk else Match.Side.HELPER


def _match_card(
    *,
    match: Match,
    need: Need,
    side: str,
    private: PrivateDetails | None = None,
    error: str = "",
) -> dict[str, Any]:
    """Everything the match card partial shows. The steps offered are read from the
    transition table; the services decide again when a step is posted."""
    confirmed = (
        match.requester_confirmed_done
        if side == Match.Side.REQUESTER
        else match.helper_confirmed_done
    )
    actions = [
        action
        for action, (from_states, _to, sides) in MATCH_TRANSITIONS.items()
        if side in sides
        and match.state in from_states
        and not (action == "confirm_done" and confirmed)
    ]
    is_open = match.state in OPEN_MATCH_STATES
    return {
        "explanation": _explanation(match) if side == Match.Side.HELPER else [],
        # Either side may block the other from the card; the page never says who blocked.
        "may_block": side == Match.Side.HELPER or match.helper_id is not None,
        "match": match,
        "need": need,
        "side": side,
        "actions": actions,
        "is_open": is_open,
        "confirmed": confirmed,
        # Only the helper's card carries the private box; the requester sees theirs above.
        "private": private if (side == Match.Side.HELPER and is_open) else None,
        "error": error,
    }


def _explanation(match: Match) -> list[str]:
    """The suggestion's facts in the viewer's language, e.g. "1.2 km away"."""
    if not match.explanation:
        return []
    return explanation_phrases(match.explanation)


def _need_context(
    request: HttpRequest, need: Need, *, step_errors: dict[int, str] | None = None
) -> dict[str, Any]:
    member: Member = request.member  # type: ignore[attr-defined]
    step_errors = step_errors or {}
    is_requester = need.requester_id == member.pk
    private = need_private_details(member=member, need=need)
    side = Match.Side.REQUESTER if is_requester else Match.Side.HELPER
    matches = list(matches_on_need(member=member, need=need))
    cards = [
        _match_card(match=m, need=need, side=side, private=private, error=step_errors.get(m.pk, ""))
        for m in matches
    ]
    mine = [m for m in matches if m.helper_id == member.pk]
    has_live_offer = any(m.state in LIVE_STATES for m in mine)
    was_declined = any(m.state == Match.State.DECLINED for m in mine)
    return {
        "need": need,
        "is_requester": is_requester,
        "private": private if is_requester else None,
        "cards": cards,
        "area": _area_names(member.network).get(need.cell, ""),
        "distance_km": need_distance_km(member=member, need=need),
        "need_languages": _language_labels(need.languages),
        "was_declined": was_declined,
        "has_live_offer": has_live_offer,
        "may_offer_help": not is_requester
        and not has_live_offer
        and not was_declined
        and need.status == Need.Status.OPEN,
        "may_close": need.status in NEED_TRANSITIONS["close"][0]
        and (is_requester or can(member, "network.moderate", member.network)),
        "ask_still_needed": is_requester
        and need.still_needed_asked_at is not None
        and need.status == Need.Status.OPEN,
    }


def _my_active_offers(member: Member) -> Any:
    return offers_of_member(member=member).filter(status=Offer.Status.ACTIVE)


def _render_need(
    request: HttpRequest,
    need: Need,
    *,
    status: int = 200,
    offer_form: OfferHelpForm | None = None,
    error: str = "",
    step_errors: dict[int, str] | None = None,
) -> HttpResponse:
    context = _need_context(request, need, step_errors=step_errors)
    if context["may_offer_help"] or offer_form is not None:
        context["offer_form"] = offer_form or OfferHelpForm(
            offers=_my_active_offers(request.member)  # type: ignore[attr-defined]
        )
    context["error"] = error
    return render(request, "needs/need_detail.html", context, status=status)


@require_GET
@member_page
@network_time
def need_detail(request: HttpRequest, need_id: int) -> HttpResponse:
    need = access_need(request.member, need_id)  # type: ignore[attr-defined]
    return _render_need(request, need)


@require_POST
@member_page
@network_time
def need_offer_help(request: HttpRequest, need_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    need = access_need(member, need_id)
    form = OfferHelpForm(request.POST, offers=_my_active_offers(member))
    if not form.is_valid():
        return _render_need(request, need, offer_form=form, status=400)
    try:
        services.match_propose(
            actor=member,
            need=need,
            offer=form.cleaned_data["offer"],
            message=form.cleaned_data["message"],
        )
    except DomainError as err:
        status = _show_error(form, err)
        return _render_need(request, need, offer_form=form, status=status)
    messages.success(request, _("Thank you for offering to help. We told the person asking."))
    return _redirect_to_need(request, need.pk)


@require_POST
@member_page
@network_time
def need_close(request: HttpRequest, need_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    need = access_need(member, need_id)
    try:
        services.need_close(actor=member, need=need)
    except DomainError as err:
        return _render_need(request, need, error=err.message, status=err.status)
    messages.success(request, _("The need is closed."))
    return _redirect_to_need(request, need.pk)


@require_POST
@member_page
@network_time
def need_still_needed(request: HttpRequest, need_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    need = access_need(member, need_id)
    form = StillNeededForm(request.POST)
    if not form.is_valid():
        return _render_need(request, need, error=_("Answer yes or no."), status=400)
    still_needed = form.cleaned_data["still_needed"]
    try:
        services.need_answer_still_needed(actor=member, need=need, still_needed=still_needed)
    except DomainError as err:
        return _render_need(request, need, error=err.message, status=err.status)
    if still_needed:
        messages.success(request, _("Thank you. Your need stays open for another week."))
    else:
        messages.success(request, _("Glad to hear it. The need is closed."))
    return _redirect_to_need(request, need.pk)


# --- Matches --------------------------------------------------------------------------------


def _step(action: str) -> Callable[[Member, Match, str], Match]:
    """The service behind each match step, called the same way."""
    steps: dict[str, Callable[[Member, Match, str], Match]] = {
        "agree": lambda actor, match, reason: services.match_agree(actor=actor, match=match),
        "pass": lambda actor, match, reason: services.match_pass(actor=actor, match=match),
        "accept": lambda actor, match, reason: services.match_accept(actor=actor, match=match),
        "decline": lambda actor, match, reason: services.match_decline(actor=actor, match=match),
        "start": lambda actor, match, reason: services.match_start(actor=actor, match=match),
        "confirm_done": lambda actor, match, reason: services.match_confirm_done(
            actor=actor, match=match
        ),
        "release": lambda actor, match, reason: services.match_release(
            actor=actor, match=match, reason=reason
        ),
        "cancel": lambda actor, match, reason: services.match_cancel(
            actor=actor, match=match, reason=reason
        ),
    }
    if action not in steps:
        raise Http404
    return steps[action]


def _step_message(action: str) -> str:
    return {
        "agree": _("Thank you. The person asking will now see your offer and can accept it."),
        "pass": _("Thank you for answering. We will not ask you about this need again."),
        "accept": _("You accepted the offer. Your helper can now see the details they need."),
        "decline": _("You declined the offer."),
        "start": _("Marked as started."),
        "confirm_done": _("Thank you for confirming."),
        "release": _("You stepped back. The need is open again for others."),
        "cancel": _("The match is cancelled."),
    }[action]


def _card_response(
    request: HttpRequest, match: Match, *, error: str = "", status: int = 200
) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    side = _side(member, match)
    private = (
        need_private_details(member=member, need=match.need) if side == Match.Side.HELPER else None
    )
    card = _match_card(match=match, need=match.need, side=side, private=private, error=error)
    return render(request, "needs/_match_card.html", {"card": card}, status=status)


@require_POST
@member_page
@network_time
def match_step(request: HttpRequest, match_id: int, action: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    step = _step(action)
    match = access_match(member, match_id)
    form = MatchStepForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(" ".join(str(e) for e in form.errors["reason"]))
        step(member, match, form.cleaned_data["reason"])
    except DomainError as err:
        if _wants_partial(request):
            fresh = access_match(member, match.pk)
            return _card_response(request, fresh, error=err.message, status=err.status)
        need = access_need(member, match.need_id)
        return _render_need(request, need, step_errors={match.pk: err.message}, status=err.status)
    if _wants_partial(request):
        return _card_response(request, access_match(member, match.pk))
    messages.success(request, _step_message(action))
    return _redirect_to_need(request, match.need_id)


@require_GET
@member_page
@network_time
def match_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    live = matches_of_member(member=member, live_only=True)
    finished = matches_of_member(member=member).exclude(state__in=LIVE_STATES)
    return render(
        request,
        "needs/match_list.html",
        {"live": list(live), "finished": list(finished[:FINISHED_MATCHES_SHOWN])},
    )


# --- Offers ---------------------------------------------------------------------------------


@require_GET
@member_page
def offer_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    form = OfferFilterForm(request.GET, categories=categories_active(network=member.network))
    if form.is_valid():
        offers = offers_browse(
            member=member,
            category_slug=form.cleaned_data["category"],
            kind=form.cleaned_data["kind"],
        )
        status = 200
    else:
        offers = Offer.objects.none()
        status = 400
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter_form": form,
        "page_obj": page,
        "my_offers": list(offers_of_member(member=member).exclude(status=Offer.Status.WITHDRAWN)),
    }
    return _render_maybe_partial(
        request, "needs/offer_list.html", "needs/_offer_list.html", context, status
    )


@require_http_methods(["GET", "POST"])
@member_page
def offer_create(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    form = OfferForm(
        request.POST if request.method == "POST" else None,
        categories=categories_active(network=member.network),
        cell_choices=_cell_choices(member),
        initial={"cell": member.cell, "radius_km": member.travel_radius_km},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                offer = services.offer_create(actor=member, **form.cleaned_data)
            except DomainError as err:
                status = _show_error(form, err)
            else:
                messages.success(request, _("Thank you. Your offer is posted."))
                return redirect("needs:offer_detail", slug=member.network.slug, offer_id=offer.pk)
    return render(request, "needs/offer_form.html", {"form": form}, status=status)


def _availability_labels(slots: list[str]) -> list[str]:
    days, parts = dict(DAYS), dict(DAY_PARTS)
    labels = []
    for slot in slots:
        day, _sep, part = slot.partition("-")
        if day in days and part in parts:
            labels.append(f"{days[day]} {parts[part]}")
    return labels


def _render_offer(
    request: HttpRequest, offer: Offer, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "offer": offer,
        "is_mine": offer.helper_id == request.member.pk,  # type: ignore[attr-defined]
        "availability": _availability_labels(offer.availability),
        "error": error,
    }
    return render(request, "needs/offer_detail.html", context, status=status)


@require_GET
@member_page
def offer_detail(request: HttpRequest, offer_id: int) -> HttpResponse:
    return _render_offer(request, access_offer(request.member, offer_id))  # type: ignore[attr-defined]


@require_POST
@member_page
def offer_status(request: HttpRequest, offer_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    offer = access_offer(member, offer_id)
    form = OfferStatusForm(request.POST)
    if not form.is_valid():
        return _render_offer(
            request, offer, error=_("Choose active, paused or withdrawn."), status=400
        )
    try:
        offer = services.offer_set_status(
            actor=member, offer=offer, status=form.cleaned_data["status"]
        )
    except DomainError as err:
        return _render_offer(request, offer, error=err.message, status=err.status)
    messages.success(
        request,
        _("Your offer is now %(status)s.") % {"status": Offer.Status(offer.status).label},
    )
    return redirect("needs:offer_detail", slug=member.network.slug, offer_id=offer.pk)


# --- Blocks ---------------------------------------------------------------------------------


@require_GET
@member_page
def block_list(request: HttpRequest) -> HttpResponse:
    """People the member blocked, each with a way to lift the block."""
    member: Member = request.member  # type: ignore[attr-defined]
    return render(
        request, "needs/block_list.html", {"blocks": list(blocks_of_member(member=member))}
    )


@require_POST
@member_page
def member_block(request: HttpRequest, member_id: int) -> HttpResponse:
    """Block a member of the network (for pages that list people)."""
    member: Member = request.member  # type: ignore[attr-defined]
    other = access_member(member, member_id)
    try:
        services.block_create(actor=member, member=other)
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Done. You will not be matched with this person."))
    return redirect("needs:block_list", slug=member.network.slug)


@require_POST
@member_page
def match_block(request: HttpRequest, match_id: int) -> HttpResponse:
    """Block the other side of a match, from its card."""
    member: Member = request.member  # type: ignore[attr-defined]
    match = access_match(member, match_id)
    other = match.need.requester if match.helper_id == member.pk else match.helper
    if other is None:
        raise Http404
    services.block_create(actor=member, member=other)
    messages.success(request, _("Done. You will not be matched with this person."))
    return _redirect_to_need(request, match.need_id)


@require_POST
@member_page
def block_remove(request: HttpRequest, block_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    services.block_remove(actor=member, block=access_block(member, block_id))
    messages.success(request, _("The block is lifted."))
    return redirect("needs:block_list", slug=member.network.slug)
