"""Every read about needs, offers and matches, already limited to what the member may see.

Privacy lives here: browse querysets defer the encrypted address and phone, and the only way
to read them is `need_private_details`, which returns them to the requester and to the helper
of an open (accepted or in-progress) match, and to nobody else.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from mutualaid.core.errors import NotFound
from mutualaid.core.geo import cells_within_km, distance_km
from mutualaid.needs.models import LIVE_STATES, OPEN_MATCH_STATES, Block, Match, Need, Offer
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
