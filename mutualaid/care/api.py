"""API: peer-support circles and the network's crisis lines.

Privacy: no response carries a member id or display name beside a pseudonym, and no post says
who wrote it beyond its pseudonym. Only an active member of a circle reads what is inside it;
an organiser who is not in the circle gets the same 404 as anyone else.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from mutualaid.care import selectors, services
from mutualaid.care.models import Circle, CircleMembership, Flag, Post
from mutualaid.core.api import (
    Id,
    IdempotencyKey,
    InputSchema,
    PathId,
    PlainText,
    created_once,
    responses,
)
from mutualaid.networks.requests import api_member

router = Router(tags=["care"])

# Mirrors of the models' choices, spelled out so the OpenAPI document lists them.
MembershipState = Literal["requested", "invited", "active", "paused", "removed"]
PostKind = Literal["post", "reply", "hear_you"]
ReactionKind = Literal["heart", "hug", "same"]
Retention = Literal[0, 7, 30, 90]

Body = Annotated[str, StringConstraints(min_length=1, max_length=10000), PlainText]
Note = Annotated[str, StringConstraints(max_length=200), PlainText]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500), PlainText]
SearchQuery = Annotated[str, StringConstraints(max_length=200), PlainText]
ACTIONS_DESCRIPTION = (
    "What I may do with the circle now, about my own place in it only: join, leave, "
    "accept_agreement, post, react, flag, invite, set_willing, and for its facilitators "
    "moderate, revise_agreement, update."
)


class CircleOut(Schema):
    id: int
    name: str
    description: str
    retention_days: Retention
    rotation_days: int
    my_state: MembershipState | None
    actions: list[str] = Field(description=ACTIONS_DESCRIPTION)

    @staticmethod
    def resolve_my_state(obj: Circle, context: dict[str, Any]) -> str | None:
        own = selectors.membership_of(member=api_member(context["request"]), circle=obj)
        return own.state if own else None

    @staticmethod
    def resolve_actions(obj: Circle, context: dict[str, Any]) -> list[str]:
        return selectors.circle_actions(api_member(context["request"]), obj)


class CircleInsideOut(Schema):
    id: int
    name: str
    description: str
    retention_days: Retention
    rotation_days: int
    my_pseudonym: str
    i_facilitate: bool
    i_am_willing_to_facilitate: bool
    few_members: bool = Field(
        description="So few active members that others may be able to guess who wrote a post."
    )
    agreement_version: int
    agreement: str
    i_accepted_it: bool
    actions: list[str] = Field(description=ACTIONS_DESCRIPTION)


class PostOut(Schema):
    id: int
    parent: int | None
    kind: PostKind
    pseudonym: str
    content_note: str
    body: str
    hidden: bool
    created_at: datetime

    @staticmethod
    def resolve_parent(obj: Post) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_content_note(obj: Post) -> str:
        return obj.content_note or ""

    @staticmethod
    def resolve_body(obj: Post) -> str:
        return obj.body or ""


class ThreadOut(PostOut):
    replies: list[PostOut]

    @staticmethod
    def resolve_replies(obj: Post) -> list[Post]:
        return list(obj.replies.all())


class MembershipOut(Schema):
    id: int
    state: MembershipState


class RosterOut(Schema):
    """Who is in the circle, sorted by name; never a pseudonym."""

    id: int | None = Field(description="The membership, for facilitators to act on; else null.")
    display_name: str
    is_facilitator: bool


class WaitingOut(Schema):
    id: int
    display_name: str
    state: MembershipState
    pause_reason: str


class InvitationIn(InputSchema):
    member_id: Id = Field(description="An active member of my network not yet in the circle.")


class WillingIn(InputSchema):
    willing: bool


class WillingOut(Schema):
    willing_to_facilitate: bool


class CircleSettingsIn(InputSchema):
    """Fields left out (or null) keep their current value."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=120), PlainText] | None = None
    description: Annotated[str, StringConstraints(max_length=1000), PlainText] | None = None
    retention_days: Retention | None = Field(
        default=None, description="Applies to posts written from now on."
    )
    rotation_days: Annotated[int, Field(ge=1, le=365)] | None = None


class LogOut(Schema):
    action: str
    reason: str
    created_at: datetime


class CrisisOut(Schema):
    name: str
    phone: str
    hours: str
    languages: str
    notes: str


class PostIn(InputSchema):
    body: Body
    content_note: Note = ""


class ReplyIn(InputSchema):
    body: Annotated[str, StringConstraints(max_length=10000), PlainText] = ""
    content_note: Note = ""
    hear_you: bool = False


class AgreementIn(InputSchema):
    version: Annotated[int, Field(ge=1, le=100000)]


class ReactionIn(InputSchema):
    kind: ReactionKind


class ReactionOut(Schema):
    on: bool


class ReasonIn(InputSchema):
    reason: Reason


class FlagOut(Schema):
    id: int


def _inside(request: HttpRequest, circle_id: int) -> CircleMembership:
    return selectors.access_membership(api_member(request), circle_id)


@router.get("/care/circles", response=responses(list[CircleOut]), operation_id="care_circles")
def care_circles(request: HttpRequest) -> Any:
    """My network's circles, by name and purpose, with my place in each."""
    return list(selectors.circles_visible(member=api_member(request))[:500])


@router.get(
    "/care/circles/{circle_id}", response=responses(CircleInsideOut), operation_id="care_circle"
)
def care_circle(request: HttpRequest, circle_id: PathId) -> Any:
    """A circle I am an active member of: its agreement and my pseudonym in it."""
    own = _inside(request, circle_id)
    agreement = selectors.agreement_current(circle=own.circle)
    version = agreement.version if agreement else 0
    return {
        "id": own.circle.pk,
        "name": own.circle.name,
        "description": own.circle.description,
        "retention_days": own.circle.retention_days,
        "rotation_days": own.circle.rotation_days,
        "my_pseudonym": own.pseudonym,
        "i_facilitate": own.is_facilitator,
        "i_am_willing_to_facilitate": own.willing_to_facilitate,
        "few_members": selectors.circle_is_small(circle=own.circle),
        "agreement_version": version,
        "agreement": agreement.text if agreement else "",
        "i_accepted_it": own.agreed_version == version,
        "actions": selectors.circle_actions(api_member(request), own.circle),
    }


@router.post(
    "/care/circles/{circle_id}/join",
    response=responses(MembershipOut, 201),
    operation_id="care_circle_join",
)
def care_circle_join(request: HttpRequest, circle_id: PathId) -> Status[CircleMembership]:
    """Ask to join; a current facilitator answers. 409 when I already asked or am in it."""
    member = api_member(request)
    circle = selectors.access_circle(member, circle_id)
    return Status(201, services.membership_request(actor=member, circle=circle))


@router.post(
    "/care/circles/{circle_id}/agreement",
    response=responses(MembershipOut),
    operation_id="care_agreement_accept",
)
def care_agreement_accept(request: HttpRequest, circle_id: PathId, payload: AgreementIn) -> Any:
    """Accept the current version of the agreement. 409 when it has changed since I read it."""
    own = _inside(request, circle_id)
    return services.agreement_accept(
        actor=api_member(request), circle=own.circle, version=payload.version
    )


@router.get(
    "/care/circles/{circle_id}/posts",
    response=responses(list[ThreadOut]),
    operation_id="care_posts",
)
def care_posts(request: HttpRequest, circle_id: PathId, q: SearchQuery = "") -> Any:
    """Threads, newest first, each under its pseudonym. With `q`, only the threads where one
    post holds every word of it (case and accents aside)."""
    own = _inside(request, circle_id)
    return list(selectors.threads_searched(membership=own, query=q)[:100])


@router.post(
    "/care/circles/{circle_id}/posts",
    response=responses(PostOut, 201),
    operation_id="care_posts_create",
)
def care_posts_create(
    request: HttpRequest, circle_id: PathId, payload: PostIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Share something under my pseudonym. 403 `agreement_required` until I accept the
    current agreement."""
    own = _inside(request, circle_id)
    member = api_member(request)
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.post_create(actor=member, circle=own.circle, **payload.dict()),
        out=PostOut,
    )


@router.post(
    "/care/circles/{circle_id}/posts/{post_id}/replies",
    response=responses(PostOut, 201),
    operation_id="care_replies_create",
)
def care_replies_create(
    request: HttpRequest,
    circle_id: PathId,
    post_id: PathId,
    payload: ReplyIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Reply in a thread, or say "I hear you" (`hear_you: true`, no text needed)."""
    own = _inside(request, circle_id)
    post = selectors.access_post(own, post_id)
    post.circle = own.circle
    member = api_member(request)
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.reply_create(actor=member, post=post, **payload.dict()),
        out=PostOut,
    )


@router.post(
    "/care/circles/{circle_id}/posts/{post_id}/reactions",
    response=responses(ReactionOut),
    operation_id="care_reaction_toggle",
)
def care_reaction_toggle(
    request: HttpRequest, circle_id: PathId, post_id: PathId, payload: ReactionIn
) -> dict[str, bool]:
    """Add my reaction, or take it back."""
    own = _inside(request, circle_id)
    post = selectors.access_post(own, post_id)
    post.circle = own.circle
    return {"on": services.reaction_toggle(actor=api_member(request), post=post, kind=payload.kind)}


@router.post(
    "/care/circles/{circle_id}/posts/{post_id}/flags",
    response=responses(FlagOut, 201),
    operation_id="care_flag_create",
)
def care_flag_create(
    request: HttpRequest, circle_id: PathId, post_id: PathId, payload: ReasonIn
) -> Status[Flag]:
    """Flag a post against the agreement, once. 409 `already_flagged` the second time."""
    own = _inside(request, circle_id)
    post = selectors.access_post(own, post_id)
    post.circle = own.circle
    return Status(
        201, services.post_flag(actor=api_member(request), post=post, reason=payload.reason)
    )


@router.post(
    "/care/circles/{circle_id}/posts/{post_id}/hide",
    response=responses(PostOut),
    operation_id="care_post_hide",
)
def care_post_hide(
    request: HttpRequest, circle_id: PathId, post_id: PathId, payload: ReasonIn
) -> Post:
    """A facilitator hides a post; the circle log shows the reason."""
    own = _inside(request, circle_id)
    post = selectors.access_post(own, post_id)
    post.circle = own.circle
    return services.post_hide(actor=api_member(request), post=post, reason=payload.reason)


@router.get(
    "/care/circles/{circle_id}/log", response=responses(list[LogOut]), operation_id="care_log"
)
def care_log(request: HttpRequest, circle_id: PathId) -> Any:
    """Every moderation act in the circle, newest first. It names nobody."""
    return list(selectors.circle_log(circle=_inside(request, circle_id).circle)[:200])


# --- Members, invitations and facilitation ---------------------------------------------------


@router.get(
    "/care/circles/{circle_id}/members",
    response=responses(list[RosterOut]),
    operation_id="care_members",
)
def care_members(request: HttpRequest, circle_id: PathId) -> list[dict[str, object]]:
    """Who is active in the circle, sorted by name (never by joining order, and never beside a
    pseudonym). Membership ids only for facilitators."""
    own = _inside(request, circle_id)
    return [
        {
            "id": m.pk if own.is_facilitator else None,
            "display_name": m.member.display_name,
            "is_facilitator": m.is_facilitator,
        }
        for m in selectors.circle_roster(circle=own.circle)
    ]


@router.get(
    "/care/circles/{circle_id}/waiting",
    response=responses(list[WaitingOut]),
    operation_id="care_waiting",
)
def care_waiting(request: HttpRequest, circle_id: PathId) -> list[dict[str, object]]:
    """For facilitators: who asked or was invited to join, and who is paused (with the
    reason). Empty for everyone else."""
    own = _inside(request, circle_id)
    waiting = [
        *selectors.pending_memberships(membership=own),
        *selectors.paused_memberships(membership=own),
    ]
    return [
        {
            "id": m.pk,
            "display_name": m.member.display_name,
            "state": m.state,
            "pause_reason": m.pause_reason if m.state == CircleMembership.State.PAUSED else "",
        }
        for m in waiting
    ]


@router.post(
    "/care/circles/{circle_id}/invitations",
    response=responses(MembershipOut, 201),
    operation_id="care_invitation_create",
)
def care_invitation_create(
    request: HttpRequest,
    circle_id: PathId,
    payload: InvitationIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Invite an active member of my network; a facilitator then welcomes them. 409 when they
    already have a place in the circle or were invited."""
    own = _inside(request, circle_id)
    member = api_member(request)
    invited = selectors.access_network_member(circle=own.circle, member_id=payload.member_id)
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.membership_invite(actor=member, circle=own.circle, member=invited),
        out=MembershipOut,
    )


def _target(request: HttpRequest, circle_id: int, membership_id: int) -> CircleMembership:
    return selectors.access_circle_membership(_inside(request, circle_id), membership_id)


@router.post(
    "/care/circles/{circle_id}/members/{membership_id}/accept",
    response=responses(MembershipOut),
    operation_id="care_membership_accept",
)
def care_membership_accept(request: HttpRequest, circle_id: PathId, membership_id: PathId) -> Any:
    """A facilitator welcomes someone who asked or was invited. 409 if already answered."""
    target = _target(request, circle_id, membership_id)
    return services.membership_accept(actor=api_member(request), membership=target)


@router.post(
    "/care/circles/{circle_id}/members/{membership_id}/pause",
    response=responses(MembershipOut),
    operation_id="care_membership_pause",
)
def care_membership_pause(
    request: HttpRequest, circle_id: PathId, membership_id: PathId, payload: ReasonIn
) -> Any:
    """A facilitator pauses an active member; the circle log shows the reason, not the name."""
    target = _target(request, circle_id, membership_id)
    return services.membership_pause(
        actor=api_member(request), membership=target, reason=payload.reason
    )


@router.post(
    "/care/circles/{circle_id}/members/{membership_id}/resume",
    response=responses(MembershipOut),
    operation_id="care_membership_resume",
)
def care_membership_resume(request: HttpRequest, circle_id: PathId, membership_id: PathId) -> Any:
    """A facilitator welcomes a paused member back. 409 if they are not paused."""
    target = _target(request, circle_id, membership_id)
    return services.membership_resume(actor=api_member(request), membership=target)


@router.post(
    "/care/circles/{circle_id}/members/{membership_id}/remove",
    response=responses(MembershipOut),
    operation_id="care_membership_remove",
)
def care_membership_remove(
    request: HttpRequest, circle_id: PathId, membership_id: PathId, payload: ReasonIn
) -> Any:
    """A facilitator removes a member; the circle log shows the reason, not the name."""
    target = _target(request, circle_id, membership_id)
    return services.membership_remove(
        actor=api_member(request), membership=target, reason=payload.reason
    )


@router.post(
    "/care/circles/{circle_id}/willing",
    response=responses(WillingOut),
    operation_id="care_willing_set",
)
def care_willing_set(request: HttpRequest, circle_id: PathId, payload: WillingIn) -> Any:
    """Whether I am willing to take the facilitator role when it is handed on."""
    own = _inside(request, circle_id)
    return services.membership_set_willing(
        actor=api_member(request), circle=own.circle, willing=payload.willing
    )


@router.post(
    "/care/circles/{circle_id}/leave",
    response=responses(MembershipOut),
    operation_id="care_circle_leave",
)
def care_circle_leave(request: HttpRequest, circle_id: PathId) -> Any:
    """Leave the circle, withdraw my request or decline an invitation. My posts stay under
    the pseudonym until they expire."""
    member = api_member(request)
    own = selectors.access_own_membership(member, circle_id)
    return services.membership_remove(actor=member, membership=own)


@router.patch(
    "/care/circles/{circle_id}/settings",
    response=responses(CircleOut),
    operation_id="care_circle_update",
)
def care_circle_update(request: HttpRequest, circle_id: PathId, payload: CircleSettingsIn) -> Any:
    """A facilitator changes the name, purpose, retention (for posts written from now on) or
    rotation period. Fields left out keep their value. The circle log says what changed."""
    own = _inside(request, circle_id)
    circle = own.circle

    def given(value: Any, current: Any) -> Any:
        return current if value is None else value

    return services.circle_update(
        actor=api_member(request),
        circle=circle,
        name=given(payload.name, circle.name),
        description=given(payload.description, circle.description),
        retention_days=given(payload.retention_days, circle.retention_days),
        rotation_days=given(payload.rotation_days, circle.rotation_days),
    )


@router.get("/care/crisis", response=responses(list[CrisisOut]), operation_id="care_crisis")
def care_crisis(request: HttpRequest) -> Any:
    """The crisis lines and services my network lists."""
    return list(selectors.crisis_resources(network=api_member(request).network))
