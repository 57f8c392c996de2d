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
from mutualaid.care.models import Circle, CircleMembership, Post
from mutualaid.core.api import (
    IdempotencyKey,
    InputSchema,
    PathId,
    PlainText,
    created_once,
    member_of,
    responses,
)

router = Router(tags=["care"])

# Mirrors of the models' choices, spelled out so the OpenAPI document lists them.
MembershipState = Literal["requested", "invited", "active", "paused", "removed"]
PostKind = Literal["post", "reply", "hear_you"]
ReactionKind = Literal["heart", "hug", "same"]
Retention = Literal[0, 7, 30, 90]

Body = Annotated[str, StringConstraints(min_length=1, max_length=10000), PlainText]
Note = Annotated[str, StringConstraints(max_length=200), PlainText]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500), PlainText]


class CircleOut(Schema):
    id: int
    name: str
    description: str
    retention_days: Retention
    rotation_days: int
    my_state: MembershipState | None

    @staticmethod
    def resolve_my_state(obj: Circle, context: dict[str, Any]) -> str | None:
        own = selectors.membership_of(member=member_of(context["request"]), circle=obj)
        return own.state if own else None


class CircleInsideOut(Schema):
    id: int
    name: str
    description: str
    retention_days: Retention
    my_pseudonym: str
    i_facilitate: bool
    agreement_version: int
    agreement: str
    i_accepted_it: bool


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
    state: MembershipState


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
    return selectors.access_membership(member_of(request), circle_id)


@router.get("/care/circles", response=responses(list[CircleOut]), operation_id="care_circles")
def care_circles(request: HttpRequest) -> Any:
    """My network's circles, by name and purpose, with my place in each."""
    return list(selectors.circles_visible(member=member_of(request))[:500])


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
        "my_pseudonym": own.pseudonym,
        "i_facilitate": own.is_facilitator,
        "agreement_version": version,
        "agreement": agreement.text if agreement else "",
        "i_accepted_it": own.agreed_version == version,
    }


@router.post(
    "/care/circles/{circle_id}/join",
    response=responses(MembershipOut, 201),
    operation_id="care_circle_join",
)
def care_circle_join(request: HttpRequest, circle_id: PathId) -> Status:
    """Ask to join; a current facilitator answers. 409 when I already asked or am in it."""
    member = member_of(request)
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
        actor=member_of(request), circle=own.circle, version=payload.version
    )


@router.get(
    "/care/circles/{circle_id}/posts",
    response=responses(list[ThreadOut]),
    operation_id="care_posts",
)
def care_posts(request: HttpRequest, circle_id: PathId) -> Any:
    """Threads, newest first, each under its pseudonym."""
    return list(selectors.threads(membership=_inside(request, circle_id))[:100])


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
    member = member_of(request)
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
    member = member_of(request)
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
    return {"on": services.reaction_toggle(actor=member_of(request), post=post, kind=payload.kind)}


@router.post(
    "/care/circles/{circle_id}/posts/{post_id}/flags",
    response=responses(FlagOut, 201),
    operation_id="care_flag_create",
)
def care_flag_create(
    request: HttpRequest, circle_id: PathId, post_id: PathId, payload: ReasonIn
) -> Status:
    """Flag a post against the agreement, once. 409 `already_flagged` the second time."""
    own = _inside(request, circle_id)
    post = selectors.access_post(own, post_id)
    post.circle = own.circle
    return Status(
        201, services.post_flag(actor=member_of(request), post=post, reason=payload.reason)
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
    return services.post_hide(actor=member_of(request), post=post, reason=payload.reason)


@router.get(
    "/care/circles/{circle_id}/log", response=responses(list[LogOut]), operation_id="care_log"
)
def care_log(request: HttpRequest, circle_id: PathId) -> Any:
    """Every moderation act in the circle, newest first. It names nobody."""
    return list(selectors.circle_log(circle=_inside(request, circle_id).circle)[:200])


@router.get("/care/crisis", response=responses(list[CrisisOut]), operation_id="care_crisis")
def care_crisis(request: HttpRequest) -> Any:
    """The crisis lines and services my network lists."""
    return list(selectors.crisis_resources(network=member_of(request).network))
