"""Reads for circles, each limited to what the asking member may see.

Only an active membership opens a circle: a paused or removed member, a non-member and an
organiser who is not in the circle all get the same NotFound for its content. Post querysets
never select the author link; pages and the API show the stored pseudonym only.
"""

from collections.abc import Callable
from typing import Final

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from mutualaid.care.models import (
    Circle,
    CircleAgreement,
    CircleLogEntry,
    CircleMembership,
    CrisisResource,
    Flag,
    Post,
)
from mutualaid.care.search import query_terms
from mutualaid.core.errors import NotFound
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can
from mutualaid.networks.selectors import members_active


def _unexpired() -> Q:
    """Posts past their retention are gone for readers at once, before the sweep deletes them."""
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


POST_FIELDS = ("id", "circle_id", "parent_id", "kind", "pseudonym", "content_note", "body")


def is_listener(member: Member | None) -> bool:
    """Whether the member holds `care.listen` now (asked again at every access)."""
    return member is not None and can(member, "care.listen", member.network)


def circle_is_debrief(circle: Circle) -> bool:
    """Whether the circle is a network's listeners' debrief circle (mutualaid.care.listening
    marks one with a `DebriefCircle` row; care reads the mark, never that app)."""
    return Circle.objects.filter(pk=circle.pk, debrief__isnull=False).exists()


def circles_visible(*, member: Member) -> QuerySet[Circle]:
    """The network's circles by name and purpose, so members can ask to join; the listeners'
    debrief circle only to listeners."""
    circles = Circle.objects.filter(network=member.network_id)
    if not is_listener(member):
        circles = circles.exclude(debrief__isnull=False)
    return circles


def membership_of(*, member: Member, circle: Circle) -> CircleMembership | None:
    return CircleMembership.objects.filter(circle=circle, member=member).first()


def access_circle(member: Member | None, circle_id: int) -> Circle:
    """The circle, if the member may see its name (any member of its network; the debrief
    circle, only listeners)."""
    circle = Circle.objects.filter(pk=circle_id).first()
    if circle is None or not may_see_circle(member, circle):
        raise NotFound()
    return circle


def circle_opens_to(member: Member | None, circle: Circle) -> bool:
    """Whether an active membership still opens the circle. A listeners' debrief circle opens
    only to members who hold `care.listen` right now, whatever their circle membership says;
    any other circle, to every active member."""
    return not circle_is_debrief(circle) or is_listener(member)


# --- What a member may do with a circle (the services' checks call the same predicates) -----


def may_see_circle(member: Member | None, circle: Circle) -> bool:
    """A member of the circle's network sees its name and purpose (the debrief circle, only
    listeners)."""
    return (
        member is not None
        and circle.network_id == member.network_id
        and circle_opens_to(member, circle)
    )


def active_membership(member: Member | None, circle: Circle) -> CircleMembership | None:
    """The member's active membership, while it still opens the circle: the key to everything
    inside it."""
    if member is None:
        return None
    membership = CircleMembership.objects.filter(
        circle=circle, member=member, state=CircleMembership.State.ACTIVE
    ).first()
    if membership is None or not circle_opens_to(member, circle):
        return None
    return membership


def may_join_circle(member: Member, circle: Circle) -> bool:
    """Ask to join: someone who sees the circle and has no place in it yet."""
    return (
        may_see_circle(member, circle)
        and can(member, "network.view_members", member.network)
        and not CircleMembership.objects.filter(circle=circle, member=member).exists()
    )


def may_leave_circle(member: Member, circle: Circle) -> bool:
    """Leave, withdraw a request or decline an invitation: anyone with a place not removed."""
    return (
        CircleMembership.objects.filter(circle=circle, member=member)
        .exclude(state=CircleMembership.State.REMOVED)
        .exists()
    )


def may_read_circle(member: Member, circle: Circle) -> bool:
    """Read, react, flag, invite and say whether one would facilitate: an active member."""
    return active_membership(member, circle) is not None


def has_accepted_agreement(membership: CircleMembership, circle: Circle) -> bool:
    current = agreement_current(circle=circle)
    return current is not None and membership.agreed_version == current.version


def may_accept_agreement(member: Member, circle: Circle) -> bool:
    """An active member who has not accepted the current agreement yet."""
    own = active_membership(member, circle)
    return own is not None and not has_accepted_agreement(own, circle)


def may_post_in_circle(member: Member, circle: Circle) -> bool:
    """Post and reply: an active member who accepted the current agreement."""
    own = active_membership(member, circle)
    return own is not None and has_accepted_agreement(own, circle)


def may_facilitate_circle(member: Member, circle: Circle) -> bool:
    """Welcome, pause and remove members, hide posts, revise the agreement and change the
    settings: the circle's current facilitators."""
    own = active_membership(member, circle)
    return own is not None and own.is_facilitator


CIRCLE_ACTIONS: Final[dict[str, Callable[[Member, Circle], bool]]] = {
    "join": may_join_circle,
    "leave": may_leave_circle,
    "accept_agreement": may_accept_agreement,
    "post": may_post_in_circle,
    "react": may_read_circle,
    "flag": may_read_circle,
    "invite": may_read_circle,
    "set_willing": may_read_circle,
    "moderate": may_facilitate_circle,
    "revise_agreement": may_facilitate_circle,
    "update": may_facilitate_circle,
}


def circle_actions(member: Member, circle: Circle) -> list[str]:
    """What the member may do with the circle now. Only ever about their own place in it."""
    return [name for name, allowed in CIRCLE_ACTIONS.items() if allowed(member, circle)]


def access_membership(member: Member | None, circle_id: int) -> CircleMembership:
    """The member's active membership of the circle: the key to everything inside it."""
    if member is None:
        raise NotFound()
    membership = (
        CircleMembership.objects.select_related("circle")
        .filter(circle_id=circle_id, member=member, state=CircleMembership.State.ACTIVE)
        .first()
    )
    if membership is None or not circle_opens_to(member, membership.circle):
        raise NotFound()
    return membership


def access_post(membership: CircleMembership, post_id: int) -> Post:
    post = (
        Post.objects.filter(pk=post_id, circle_id=membership.circle_id)
        .filter(Q(hidden=False) | Q(author=membership))
        .filter(_unexpired())
        .only(*POST_FIELDS, "hidden", "created_at", "expires_at")
        .first()
    )
    if post is None:
        raise NotFound()
    return post


def agreement_current(*, circle: Circle) -> CircleAgreement | None:
    return CircleAgreement.objects.filter(circle=circle).order_by("-version").first()


def threads(*, membership: CircleMembership) -> QuerySet[Post]:
    """Top-level posts with their visible replies; hidden posts are left out (an author still
    sees their own)."""
    visible = (Q(hidden=False) | Q(author=membership)) & _unexpired()
    replies = Post.objects.filter(visible).only(*POST_FIELDS, "hidden", "created_at")
    return (
        Post.objects.filter(circle_id=membership.circle_id, parent__isnull=True)
        .filter(visible)
        .only(*POST_FIELDS, "hidden", "created_at", "expires_at")
        .annotate(reaction_count=Count("reactions"))
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("-created_at", "-pk")
    )


# Below this many active members, a roster of names beside pseudonymous posts lets people guess
# who wrote what; the post form says so.
SMALL_CIRCLE = 4


def threads_matching(*, membership: CircleMembership, query: str) -> QuerySet[Post]:
    """The threads whose post, or one of whose visible replies, holds every word of the query
    (through the blind index: the posts are never decrypted to search). No words, no threads."""
    terms = query_terms(circle_id=membership.circle_id, query=query)
    if not terms:
        return threads(membership=membership).none()
    visible = (Q(hidden=False) | Q(author=membership)) & _unexpired()
    matching = Post.objects.filter(visible, circle_id=membership.circle_id)
    for term in terms:
        # One join per word, so every word must be in the same post.
        matching = matching.filter(search_terms__term=term)
    hits = matching.annotate(thread=Coalesce(F("parent_id"), F("pk"))).values("thread")
    return threads(membership=membership).filter(pk__in=hits)


def threads_searched(*, membership: CircleMembership, query: str = "") -> QuerySet[Post]:
    """What a member reading the circle sees: every thread when nothing is searched for,
    otherwise the threads that match (one rule for the page and the API)."""
    if not query.strip():
        return threads(membership=membership)
    return threads_matching(membership=membership, query=query)


def circle_roster(*, circle: Circle) -> QuerySet[CircleMembership]:
    """Who is in the circle, by display name: never beside a pseudonym, and sorted by name,
    never by joining order or id, which the order of first posts could be lined up against."""
    return (
        CircleMembership.objects.filter(circle=circle, state=CircleMembership.State.ACTIVE)
        .select_related("member")
        .only("id", "is_facilitator", "member__display_name", "circle_id", "state")
        .order_by("member__display_name", "member__pk")
    )


def circle_is_small(*, circle: Circle) -> bool:
    """True when so few are active that others may guess who wrote a post."""
    active = CircleMembership.objects.filter(circle=circle, state=CircleMembership.State.ACTIVE)
    return active.count() < SMALL_CIRCLE


def invitable_members(*, circle: Circle) -> QuerySet[Member]:
    """The network's active members who are not active in the circle, by display name.

    Only the active roster (which members see anyway) is left out: leaving out those who asked,
    were invited, paused or removed too would tell every member who they are. Inviting one of
    them is refused by the service with the same words for each."""
    return (
        members_active(network=circle.network)
        .exclude(
            pk__in=CircleMembership.objects.filter(
                circle=circle, state=CircleMembership.State.ACTIVE
            ).values("member_id")
        )
        .only("id", "display_name")
        .order_by("display_name", "pk")
    )


def facilitators(*, circle: Circle) -> QuerySet[CircleMembership]:
    return CircleMembership.objects.filter(
        circle=circle, state=CircleMembership.State.ACTIVE, is_facilitator=True
    ).select_related("member__user")


def pending_memberships(*, membership: CircleMembership) -> QuerySet[CircleMembership]:
    """Requests and invitations, for the circle's facilitators only, by display name."""
    if not membership.is_facilitator:
        return CircleMembership.objects.none()
    return (
        CircleMembership.objects.filter(
            circle_id=membership.circle_id,
            state__in=[CircleMembership.State.REQUESTED, CircleMembership.State.INVITED],
        )
        .select_related("member")
        .only("id", "state", "circle_id", "member__display_name")
        .order_by("member__display_name", "member__pk")
    )


def paused_memberships(*, membership: CircleMembership) -> QuerySet[CircleMembership]:
    """Paused members with the reason, for the circle's facilitators only, by display name."""
    if not membership.is_facilitator:
        return CircleMembership.objects.none()
    return (
        CircleMembership.objects.filter(
            circle_id=membership.circle_id, state=CircleMembership.State.PAUSED
        )
        .select_related("member")
        .only("id", "state", "circle_id", "pause_reason", "member__display_name")
        .order_by("member__display_name", "member__pk")
    )


def access_own_membership(member: Member | None, circle_id: int) -> CircleMembership:
    """The member's own place in the circle in any state but removed (to leave, withdraw a
    request or decline an invitation)."""
    if member is None:
        raise NotFound()
    own = (
        CircleMembership.objects.select_related("circle")
        .filter(circle_id=circle_id, member=member)
        .exclude(state=CircleMembership.State.REMOVED)
        .first()
    )
    if own is None:
        raise NotFound()
    return own


def access_network_member(*, circle: Circle, member_id: int) -> Member:
    """An active member of the circle's network, to invite."""
    member = members_active(network=circle.network).filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    return member


def access_circle_membership(own: CircleMembership, membership_id: int) -> CircleMembership:
    """Another membership of the same circle, for a member acting inside it."""
    target = (
        CircleMembership.objects.filter(pk=membership_id, circle_id=own.circle_id)
        .exclude(state=CircleMembership.State.REMOVED)
        .first()
    )
    if target is None:
        raise NotFound()
    target.circle = own.circle
    return target


def open_flags(*, membership: CircleMembership) -> QuerySet[Flag]:
    """Flags on the circle's posts, for its current facilitators only (not who flagged)."""
    if not membership.is_facilitator:
        return Flag.objects.none()
    return (
        Flag.objects.filter(post__circle_id=membership.circle_id, resolved=False)
        .select_related("post")
        .only("id", "reason", "created_at", "post__id", "post__pseudonym", "post__hidden")
    )


def circle_log(*, circle: Circle) -> QuerySet[CircleLogEntry]:
    return CircleLogEntry.objects.filter(circle=circle)


def crisis_resources(*, network: Network) -> QuerySet[CrisisResource]:
    return CrisisResource.objects.filter(network=network)


def care_data_export(*, member: Member) -> dict[str, object]:
    """The member's own circles and posts, for "download my data"."""
    memberships = CircleMembership.objects.filter(member=member).select_related("circle")
    return {
        "circles": [
            {
                "circle": m.circle.name,
                "state": m.state,
                "pseudonym": m.pseudonym,
                "agreed_version": m.agreed_version,
                "is_facilitator": m.is_facilitator,
                "willing_to_facilitate": m.willing_to_facilitate,
                "facilitator_since": m.facilitator_since.isoformat()
                if m.facilitator_since
                else None,
                "pause_reason": m.pause_reason,
                "removed_by_facilitator": m.removed_by_facilitator,
                "created_at": m.created_at.isoformat(),
                "updated_at": m.updated_at.isoformat(),
                "posts": [
                    {
                        "id": p.pk,
                        "kind": p.kind,
                        "parent": p.parent_id,
                        "content_note": p.content_note or "",
                        "body": p.body or "",
                        "hidden": p.hidden,
                        "created_at": p.created_at.isoformat(),
                        "expires_at": p.expires_at.isoformat() if p.expires_at else None,
                    }
                    for p in m.posts.all()
                ],
                "flags": [
                    {
                        "post": f.post_id,
                        "reason": f.reason,
                        "resolved": f.resolved,
                        "created_at": f.created_at.isoformat(),
                    }
                    for f in m.flags.all()
                ],
                "reactions": [
                    {"post": r.post_id, "kind": r.kind, "created_at": r.created_at.isoformat()}
                    for r in m.reactions.all()
                ],
            }
            for m in memberships
        ]
    }
