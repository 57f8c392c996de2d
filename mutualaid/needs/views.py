"""The pages for needs, offers and matches.

Each view parses input with a form, fetches with an `access_*` selector, calls one service and
renders. The rules live in services.py: a DomainError they raise is shown on the form it came
from, with its status. Pages work without JavaScript; with htmx, the needs filter swaps the
list in place and match steps swap the match card.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutualaid.core.errors import DomainError
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.core.pagecache import cached_member_page
from mutualaid.core.pages import form_action, page_action
from mutualaid.needs import services
from mutualaid.needs.explanations import explanation_phrases
from mutualaid.needs.forms import (
    MatchStepForm,
    NeedCloseForm,
    NeedFilterForm,
    NeedForm,
    OfferFilterForm,
    OfferForm,
    OfferHelpForm,
    OfferStatusForm,
    StillNeededForm,
    neighbourhood_choices,
)
from mutualaid.needs.models import LIVE_STATES, OPEN_MATCH_STATES, Match, Need, Offer
from mutualaid.needs.selectors import (
    PrivateDetails,
    access_block,
    access_match,
    access_member,
    access_need,
    access_offer,
    blocks_of_member,
    match_actions,
    match_side,
    matches_of_member,
    matches_on_need,
    need_actions,
    need_distance_km,
    need_private_details,
    needs_browse,
    offer_actions,
    offers_browse,
    offers_of_member,
)
from mutualaid.networks.decorators import member_page, network_time
from mutualaid.networks.models import DAY_PARTS, DAYS, Member, Network
from mutualaid.networks.requests import MemberRequest
from mutualaid.networks.selectors import categories_active, neighbourhoods_of
from mutualaid.relay.selectors import match_has_conversation

PAGE_SIZE = 25
FINISHED_MATCHES_SHOWN = 50
LANGUAGE_LABELS = dict(LANGUAGE_CHOICES)
View = Callable[..., HttpResponse]


# --- Shared helpers -------------------------------------------------------------------------


def _wants_partial(request: MemberRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _render_maybe_partial(
    request: MemberRequest, full: str, partial: str, context: dict[str, Any], status: int
) -> HttpResponse:
    template = partial if _wants_partial(request) else full
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def cell_choices(member: Member) -> list[tuple[str, str]]:
    """The network's neighbourhoods to choose from, the member's own area first."""
    return neighbourhood_choices(neighbourhoods_of(network=member.network), member.cell)


def _area_names(network: Network) -> dict[str, str]:
    return dict(neighbourhoods_of(network=network).values_list("cell", "name"))


def _form_error_text(form: forms.Form) -> str:
    """The refusal a service left on a form without inputs, as one line for the page."""
    return " ".join(str(message) for message in form.non_field_errors())


def _need_url(request: MemberRequest, need_id: int) -> str:
    return reverse("needs:need_detail", kwargs={"slug": request.network.slug, "need_id": need_id})


def _redirect_to_need(request: MemberRequest, need_id: int) -> HttpResponse:
    return redirect(_need_url(request, need_id))


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
def need_list(request: MemberRequest) -> HttpResponse:
    member = request.member
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
def need_create(request: MemberRequest) -> HttpResponse:
    member = request.member
    form = NeedForm(
        request.POST if request.method == "POST" else None,
        categories=categories_active(network=member.network),
        cell_choices=cell_choices(member),
        initial=_need_initial(member),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form, lambda: services.need_create(actor=member, **form.cleaned_data)
            )
            status = outcome.status
            if outcome.value is not None:
                messages.success(
                    request, _("Your need is posted. We will tell you when someone offers to help.")
                )
                return _redirect_to_need(request, outcome.value.pk)
    return render(request, "needs/need_form.html", {"form": form}, status=status)


def _match_card(
    *,
    member: Member,
    match: Match,
    need: Need,
    private: PrivateDetails | None = None,
    error: str = "",
) -> dict[str, Any]:
    """Everything the match card partial shows. Its buttons are the member's `match_actions`;
    the services decide again when a step is posted."""
    side = match_side(member, match)
    actions = match_actions(member, match)
    is_open = match.state in OPEN_MATCH_STATES
    return {
        "explanation": _explanation(match) if side == Match.Side.HELPER else [],
        # Either side may block the other from the card; the page never says who blocked.
        "may_block": "block" in actions,
        "match": match,
        "need": need,
        "side": side,
        "actions": [action for action in actions if action != "block"],
        "is_open": is_open,
        "confirmed": match.requester_confirmed_done
        if side == Match.Side.REQUESTER
        else match.helper_confirmed_done,
        # Only the helper's card carries the private box; the requester sees theirs above.
        "private": private if (side == Match.Side.HELPER and is_open) else None,
        "error": error,
        # The two sides write to each other through the relay once the help was accepted.
        "conversation": side is not None and match_has_conversation(member, match),
    }


def _explanation(match: Match) -> list[str]:
    """The suggestion's facts in the viewer's language, e.g. "1.2 km away"."""
    if not match.explanation:
        return []
    return explanation_phrases(match.explanation)


def _need_context(
    request: MemberRequest, need: Need, *, step_errors: dict[int, str] | None = None
) -> dict[str, Any]:
    member = request.member
    step_errors = step_errors or {}
    is_requester = need.requester_id == member.pk
    private = need_private_details(member=member, need=need)
    matches = list(matches_on_need(member=member, need=need))
    cards = [
        _match_card(
            member=member, match=m, need=need, private=private, error=step_errors.get(m.pk, "")
        )
        for m in matches
    ]
    mine = [m for m in matches if m.helper_id == member.pk]
    return {
        "need": need,
        "actions": need_actions(member, need),
        "is_requester": is_requester,
        "private": private if is_requester else None,
        "cards": cards,
        "area": _area_names(member.network).get(need.cell, ""),
        "distance_km": need_distance_km(member=member, need=need),
        "need_languages": _language_labels(need.languages),
        "was_declined": any(m.state == Match.State.DECLINED for m in mine),
        "has_live_offer": any(m.state in LIVE_STATES for m in mine),
    }


def _my_active_offers(member: Member) -> Any:
    return offers_of_member(member=member).filter(status=Offer.Status.ACTIVE)


def _render_need(
    request: MemberRequest,
    need: Need,
    *,
    status: int = 200,
    offer_form: OfferHelpForm | None = None,
    error: str = "",
    step_errors: dict[int, str] | None = None,
) -> HttpResponse:
    context = _need_context(request, need, step_errors=step_errors)
    if "offer_help" in context["actions"] or offer_form is not None:
        context["offer_form"] = offer_form or OfferHelpForm(
            offers=_my_active_offers(request.member)
        )
    context["error"] = error
    return render(request, "needs/need_detail.html", context, status=status)


@require_GET
@member_page
@network_time
def need_detail(request: MemberRequest, need_id: int) -> HttpResponse:
    need = access_need(request.member, need_id)
    return _render_need(request, need)


@require_POST
@member_page
@network_time
def need_offer_help(request: MemberRequest, need_id: int) -> HttpResponse:
    member = request.member
    need = access_need(member, need_id)
    form = OfferHelpForm(request.POST, offers=_my_active_offers(member))
    if not form.is_valid():
        return _render_need(request, need, offer_form=form, status=400)
    outcome = form_action(
        form,
        lambda: services.match_propose(
            actor=member,
            need=need,
            offer=form.cleaned_data["offer"],
            message=form.cleaned_data["message"],
        ),
    )
    if not outcome.ok:
        return _render_need(request, need, offer_form=form, status=outcome.status)
    messages.success(request, _("Thank you for offering to help. We told the person asking."))
    return _redirect_to_need(request, need.pk)


@require_POST
@member_page
@network_time
def need_close(request: MemberRequest, need_id: int) -> HttpResponse:
    member = request.member
    need = access_need(member, need_id)
    form = NeedCloseForm(request.POST)
    outcome = form_action(form, lambda: services.need_close(actor=member, need=need))
    if not outcome.ok:
        return _render_need(request, need, error=_form_error_text(form), status=outcome.status)
    messages.success(request, _("The need is closed."))
    return _redirect_to_need(request, need.pk)


@require_POST
@member_page
@network_time
def need_still_needed(request: MemberRequest, need_id: int) -> HttpResponse:
    member = request.member
    need = access_need(member, need_id)
    form = StillNeededForm(request.POST)
    if not form.is_valid():
        return _render_need(request, need, error=_("Answer yes or no."), status=400)
    still_needed = form.cleaned_data["still_needed"]
    outcome = form_action(
        form,
        lambda: services.need_answer_still_needed(
            actor=member, need=need, still_needed=still_needed
        ),
    )
    if not outcome.ok:
        return _render_need(request, need, error=_form_error_text(form), status=outcome.status)
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
    request: MemberRequest, match: Match, *, error: str = "", status: int = 200
) -> HttpResponse:
    member = request.member
    private = (
        need_private_details(member=member, need=match.need)
        if match_side(member, match) == Match.Side.HELPER
        else None
    )
    card = _match_card(member=member, match=match, need=match.need, private=private, error=error)
    return render(request, "needs/_match_card.html", {"card": card}, status=status)


@require_POST
@member_page
@network_time
def match_step(request: MemberRequest, match_id: int, action: str) -> HttpResponse:
    member = request.member
    step = _step(action)
    match = access_match(member, match_id)
    form = MatchStepForm(request.POST)
    if form.is_valid():
        outcome = form_action(form, lambda: step(member, match, form.cleaned_data["reason"]))
        error, status = _form_error_text(form), outcome.status
    else:
        error, status = " ".join(str(e) for e in form.errors["reason"]), DomainError.status
    if status >= 400:
        if _wants_partial(request):
            fresh = access_match(member, match.pk)
            return _card_response(request, fresh, error=error, status=status)
        need = access_need(member, match.need_id)
        return _render_need(request, need, step_errors={match.pk: error}, status=status)
    if _wants_partial(request):
        return _card_response(request, access_match(member, match.pk))
    messages.success(request, _step_message(action))
    return _redirect_to_need(request, match.need_id)


@require_GET
@member_page
@network_time
def match_list(request: MemberRequest) -> HttpResponse:
    member = request.member
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
def offer_list(request: MemberRequest) -> HttpResponse:
    member = request.member
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
def offer_create(request: MemberRequest) -> HttpResponse:
    member = request.member
    form = OfferForm(
        request.POST if request.method == "POST" else None,
        categories=categories_active(network=member.network),
        cell_choices=cell_choices(member),
        initial={"cell": member.cell, "radius_km": member.travel_radius_km},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form, lambda: services.offer_create(actor=member, **form.cleaned_data)
            )
            status = outcome.status
            if outcome.value is not None:
                messages.success(request, _("Thank you. Your offer is posted."))
                return redirect(
                    "needs:offer_detail", slug=member.network.slug, offer_id=outcome.value.pk
                )
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
    request: MemberRequest, offer: Offer, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "offer": offer,
        "is_mine": offer.helper_id == request.member.pk,
        "actions": offer_actions(request.member, offer),
        "availability": _availability_labels(offer.availability),
        "error": error,
    }
    return render(request, "needs/offer_detail.html", context, status=status)


@require_GET
@member_page
def offer_detail(request: MemberRequest, offer_id: int) -> HttpResponse:
    return _render_offer(request, access_offer(request.member, offer_id))


@require_POST
@member_page
def offer_status(request: MemberRequest, offer_id: int) -> HttpResponse:
    member = request.member
    offer = access_offer(member, offer_id)
    form = OfferStatusForm(request.POST)
    if not form.is_valid():
        return _render_offer(
            request, offer, error=_("Choose active, paused or withdrawn."), status=400
        )
    outcome = form_action(
        form,
        lambda: services.offer_set_status(
            actor=member, offer=offer, status=form.cleaned_data["status"]
        ),
    )
    if outcome.value is None:
        return _render_offer(request, offer, error=_form_error_text(form), status=outcome.status)
    messages.success(
        request,
        _("Your offer is now %(status)s.") % {"status": Offer.Status(outcome.value.status).label},
    )
    return redirect("needs:offer_detail", slug=member.network.slug, offer_id=offer.pk)


# --- Blocks ---------------------------------------------------------------------------------


@require_GET
@member_page
def block_list(request: MemberRequest) -> HttpResponse:
    """People the member blocked, each with a way to lift the block."""
    member = request.member
    return render(
        request, "needs/block_list.html", {"blocks": list(blocks_of_member(member=member))}
    )


@require_POST
@member_page
def member_block(request: MemberRequest, member_id: int) -> HttpResponse:
    """Block a member of the network (for pages that list people)."""
    member = request.member
    other = access_member(member, member_id)
    return page_action(
        request,
        lambda: services.block_create(actor=member, member=other),
        then=reverse("needs:block_list", kwargs={"slug": member.network.slug}),
        done=_("Done. You will not be matched with this person."),
    )


@require_POST
@member_page
def match_block(request: MemberRequest, match_id: int) -> HttpResponse:
    """Block the other side of a match, from its card."""
    match = access_match(request.member, match_id)
    services.match_block(actor=request.member, match=match)
    messages.success(request, _("Done. You will not be matched with this person."))
    return _redirect_to_need(request, match.need_id)


@require_POST
@member_page
def block_remove(request: MemberRequest, block_id: int) -> HttpResponse:
    member = request.member
    services.block_remove(actor=member, block=access_block(member, block_id))
    messages.success(request, _("The block is lifted."))
    return redirect("needs:block_list", slug=member.network.slug)
