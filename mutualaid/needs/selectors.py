"""Every read about needs, offers and matches, already limited to what the member may see.

Privacy lives here: browse querysets defer the encrypted address and phone, and the only way
to read them is `need_private_details`, which returns them to the requester and to the helper
of an open (accepted or in-progress) match, and to nobody else.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from mutualaid.core.errors import NotFound
from mutualaid.core.geo import cells_within_km, distance_km
from mutualaid.needs.models import (
    LIVE_STATES,
    MATCH_TRANSITIONS,
    NEED_TRANSITIONS,
    OPEN_MATCH_STATES,
    Block,
    Match,
    Need,
    Offer,
)
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import can

PRIVATE_NEED_FIELDS = ("address", "phone")


def _needs_base(member: Member) -> QuerySet[Need]:
    return (
        Need.objects.filter(network=member.network_id)
        .select_related("category", "requester")
        .defer(*PRIVATE_NEED_FIELDS, "requester__accessibility_needs", "requester__phone")
    )


def needs_browse(
    *,
    member: Member,
    category_slug: str = "",
    urgency: str = "",
    language: str = "",
    nearby: bool = False,
) -> QuerySet[Need]:
    """Open needs in the member's network, newest and most urgent first, filtered as asked.

    `nearby` keeps needs whose cell lies within the member's travel radius (a grid disk
    lookup over stored cells, not a scan of distances)."""
    if not can(member, "need.browse", member.network):
        return Need.objects.none()
    needs = _needs_base(member).filter(status=Need.Status.OPEN)
    if category_slug:
        needs = needs.filter(category__slug=category_slug)
    if urgency:
        needs = needs.filter(urgency=urgency)
    if language:
        # JSON text search works the same on SQLite and PostgreSQL; codes are quoted, so "en"
        # never matches inside another code.
        needs = needs.filter(languages__icontains=f'"{language}"')
    if nearby and member.cell:
        needs = needs.filter(cell__in=cells_within_km(member.cell, member.travel_radius_km))
    return needs.order_by(_urgency_order(), "-created_at")


def _urgency_order() -> Case:
    return Case(
        When(urgency=Need.Urgency.TODAY, then=Value(0)),
        When(urgency=Need.Urgency.THIS_WEEK, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def needs_of_member(*, member: Member) -> QuerySet[Need]:
    """The member's own needs, all statuses."""
    return _needs_base(member).filter(requester=member).order_by("-created_at")


def access_need(member: Member | None, need_id: int) -> Need:
    """A need in the member's network, or NotFound (also for other networks' needs)."""
    if member is None or not can(member, "need.browse", member.network):
        raise NotFound()
    need = _needs_base(member).filter(pk=need_id).first()
    if need is None:
        raise NotFound()
    return need


def member_may_see_private_details(member: Member, need: Need) -> bool:
    if need.requester_id == member.pk:
        return True
    return Match.objects.filter(need=need, helper=member, state__in=OPEN_MATCH_STATES).exists()


@dataclass(frozen=True)
class PrivateDetails:
    address: str
    phone: str
    contact_email: str
    contact_phone: str
    contact_preference: str


def need_private_details(*, member: Member, need: Need) -> PrivateDetails | None:
    """Address and contact, for the requester and the accepted helper of an open match only."""
    if not member_may_see_private_details(member, need):
        return None
    full = Need.objects.select_related("requester__user").get(pk=need.pk)
    requester = full.requester
    preference = requester.contact_preference
    return PrivateDetails(
        address=full.address or "",
        phone=full.phone or "",
        contact_email=requester.user.email if preference == Member.ContactPreference.EMAIL else "",
        contact_phone=(requester.phone or "")
        if preference == Member.ContactPreference.PHONE
        else "",
        contact_preference=preference,
    )


def need_distance_km(*, member: Member, need: Need) -> float | None:
    if not member.cell or not need.cell:
        return None
    return round(distance_km(member.cell, need.cell), 1)


def matches_on_need(*, member: Member, need: Need) -> QuerySet[Match]:
    """The requester sees every offer on their need; a helper sees only their own; others
    see none. Declines are therefore visible to the two people involved and nobody else."""
    matches = Match.objects.filter(need=need).select_related("helper", "offer")
    if need.requester_id == member.pk:
        return matches.filter(offered_at__isnull=False)
    return matches.filter(helper=member)


def need_has_helper(*, need: Need) -> bool:
    return Match.objects.filter(need=need, state__in=OPEN_MATCH_STATES).exists()


def access_match(member: Member | None, match_id: int) -> Match:
    """A match the member is a side of, or NotFound."""
    if member is None:
        raise NotFound()
    match = (
        Match.objects.select_related("need__category", "need__requester", "need__network", "helper")
        .defer("need__address", "need__phone")
        .filter(pk=match_id, need__network=member.network_id)
        .filter(_sides_of(member))
        .first()
    )
    if match is None:
        raise NotFound()
    return match


def _sides_of(member: Member) -> Q:
    """Matches the member is a side of. A requester sees a match only once it was offered to
    them: a suggestion the helper has not said yes to stays between the helper and matching."""
    return Q(helper=member) | Q(need__requester=member, offered_at__isnull=False)


def matches_of_member(*, member: Member, live_only: bool = False) -> QuerySet[Match]:
    """Matches where the member helps or is helped."""
    matches = (
        Match.objects.filter(_sides_of(member))
        .select_related("need__category", "need__requester", "helper")
        .defer("need__address", "need__phone")
    )
    if live_only:
        matches = matches.filter(state__in=LIVE_STATES)
    return matches.order_by("-updated_at")


def offers_browse(*, member: Member, category_slug: str = "", kind: str = "") -> QuerySet[Offer]:
    if not can(member, "need.browse", member.network):
        return Offer.objects.none()
    offers = Offer.objects.filter(network=member.network_id, status=Offer.Status.ACTIVE)
    if category_slug:
        offers = offers.filter(category__slug=category_slug)
    if kind:
        offers = offers.filter(kind=kind)
    return offers.select_related("helper", "category").order_by("-created_at")


def offers_of_member(*, member: Member) -> QuerySet[Offer]:
    return Offer.objects.filter(helper=member).select_related("category").order_by("-created_at")


def access_offer(member: Member | None, offer_id: int) -> Offer:
    if member is None or not can(member, "need.browse", member.network):
        raise NotFound()
    offer = (
        Offer.objects.filter(pk=offer_id, network=member.network_id)
        .select_related("helper", "category")
        .first()
    )
    if offer is None or (offer.status != Offer.Status.ACTIVE and offer.helper_id != member.pk):
        raise NotFound()
    return offer


# --- Blocks


def blocked_between(member_a_id: int | None, member_b_id: int | None) -> bool:
    """Whether either of the two has blocked the other."""
    if member_a_id is None or member_b_id is None:
        return False
    return Block.objects.filter(
        Q(blocker=member_a_id, blocked=member_b_id) | Q(blocker=member_b_id, blocked=member_a_id)
    ).exists()


def blocks_of_member(*, member: Member) -> QuerySet[Block]:
    """The blocks a member made (only they see them), newest first."""
    return Block.objects.filter(blocker=member).select_related("blocked").order_by("-created_at")


def access_block(member: Member | None, block_id: int) -> Block:
    block = None if member is None else blocks_of_member(member=member).filter(pk=block_id).first()
    if block is None:
        raise NotFound()
    return block


def access_member(member: Member | None, member_id: int) -> Member:
    """Another member of the member's network, or NotFound."""
    if member is None:
        raise NotFound()
    other = Member.objects.filter(pk=member_id, network=member.network_id).first()
    if other is None:
        raise NotFound()
    return other


# --- What a member may do ---------------------------------------------------------------------
# Each predicate is one rule, asked by the services' permission checks and by `*_actions`,
# which the API returns with each object and the pages draw their buttons from.


def is_requester(member: Member, need: Need) -> bool:
    return need.requester_id == member.pk


def may_manage_need(member: Member, need: Need) -> bool:
    """The requester, or a moderator of the need's network."""
    return is_requester(member, need) or can(member, "network.moderate", need.network)


def need_closable(need: Need) -> bool:
    return need.status in NEED_TRANSITIONS["close"][0]


def may_close_need(member: Member, need: Need) -> bool:
    return need_closable(need) and may_manage_need(member, need)


def offer_was_declined(member: Member, need: Need) -> bool:
    """The requester already said no to this member's offer of help on this need."""
    return need.matches.filter(helper=member, state=Match.State.DECLINED).exists()


def may_offer_help(member: Member, need: Need) -> bool:
    """Anyone but the requester, on an open need, who has no live match on it (a helper who
    was asked answers the suggestion instead) and whose offer was not declined."""
    if is_requester(member, need) or need.status != Need.Status.OPEN:
        return False
    if not can(member, "match.offer_help", need.network):
        return False
    mine = set(need.matches.filter(helper=member).values_list("state", flat=True))
    return Match.State.DECLINED not in mine and not mine & set(LIVE_STATES)


def may_answer_still_needed(member: Member, need: Need) -> bool:
    """The requester, once asked "do you still need help?" about an open need."""
    return (
        is_requester(member, need)
        and need.still_needed_asked_at is not None
        and need.status == Need.Status.OPEN
    )


NEED_ACTIONS: Final[dict[str, Callable[[Member, Need], bool]]] = {
    "offer_help": may_offer_help,
    "answer_still_needed": may_answer_still_needed,
    "close": may_close_need,
}


def need_actions(member: Member, need: Need) -> list[str]:
    """What the member may do with the need now."""
    return [name for name, allowed in NEED_ACTIONS.items() if allowed(member, need)]


def is_offer_helper(member: Member, offer: Offer) -> bool:
    return offer.helper_id == member.pk


def offer_may_change(offer: Offer) -> bool:
    return offer.status != Offer.Status.WITHDRAWN


OFFER_ACTIONS: Final[dict[str, Callable[[Member, Offer], bool]]] = {
    "pause": lambda member, offer: (
        is_offer_helper(member, offer) and offer.status == Offer.Status.ACTIVE
    ),
    "resume": lambda member, offer: (
        is_offer_helper(member, offer) and offer.status == Offer.Status.PAUSED
    ),
    "withdraw": lambda member, offer: is_offer_helper(member, offer) and offer_may_change(offer),
    "block": lambda member, offer: not is_offer_helper(member, offer),
}


def offer_actions(member: Member, offer: Offer) -> list[str]:
    """What the member may do with the offer now: its helper changes it, others may block."""
    return [name for name, allowed in OFFER_ACTIONS.items() if allowed(member, offer)]


def match_side(member: Member, match: Match) -> str | None:
    """Which side of the match the member is on, if any."""
    if match.helper_id == member.pk:
        return Match.Side.HELPER
    if match.need.requester_id == member.pk:
        return Match.Side.REQUESTER
    return None


def step_is_for(side: str | None, step: str) -> bool:
    """Whether a member on this side may take the step (MATCH_TRANSITIONS)."""
    return side is not None and side in MATCH_TRANSITIONS[step][2]


def step_is_possible(match: Match, step: str) -> bool:
    """Whether the match is in a state the step starts from."""
    return match.state in MATCH_TRANSITIONS[step][0]


def has_confirmed_done(match: Match, side: str | None) -> bool:
    if side == Match.Side.REQUESTER:
        return match.requester_confirmed_done
    return side == Match.Side.HELPER and match.helper_confirmed_done


def may_take_step(member: Member, match: Match, step: str) -> bool:
    side = match_side(member, match)
    if step == "confirm_done" and has_confirmed_done(match, side):
        return False
    return step_is_for(side, step) and step_is_possible(match, step)


def may_block_other_side(member: Member, match: Match) -> bool:
    """Either side may block the other, once each knows who the other is: the helper only
    after offering help (a suggestion does not say who asked), the requester once there is a
    helper."""
    side = match_side(member, match)
    if side == Match.Side.HELPER:
        return match.offered_at is not None
    return side is not None and match.helper_id is not None


# The steps a member takes (not "lapse" and "withdraw", which only matching does), in the order
# the match card shows them.
MEMBER_STEPS: Final = tuple(
    step for step, (_from, _to, sides) in MATCH_TRANSITIONS.items() if sides
)


def _step_rule(step: str) -> Callable[[Member, Match], bool]:
    return lambda member, match: may_take_step(member, match, step)


MATCH_ACTIONS: Final[dict[str, Callable[[Member, Match], bool]]] = {
    **{step: _step_rule(step) for step in MEMBER_STEPS},
    "block": may_block_other_side,
}


def match_actions(member: Member, match: Match) -> list[str]:
    """What the member may do with the match now: its steps, then blocking the other side."""
    return [name for name, allowed in MATCH_ACTIONS.items() if allowed(member, match)]
