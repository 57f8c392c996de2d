"""API: my membership and profile, the network's lists, and applications to review."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StringConstraints

from mutualaid.core.api import Cell, Id, InputSchema, PageNumbers, PathId, PlainText
from mutualaid.core.api import responses as _responses
from mutualaid.membership import services as membership
from mutualaid.networks import selectors, services
from mutualaid.networks.models import (
    Application,
    ApplicationVote,
    Category,
    Member,
    Neighbourhood,
)
from mutualaid.networks.requests import api_member

router = Router()

# Mirrors of the models' choices, spelled out so the OpenAPI document lists them;
# tests/api/test_schema.py checks that they match the models.
LanguageCode = Literal[
    "en", "es", "zh", "vi", "tl", "ar", "fr", "ht", "pt", "ru", "ko", "am", "so", "fa", "uk", "asl"
]
ContactPreference = Literal["email", "phone", "in_app"]
Role = Literal["founding_organiser", "member"]
ApplicationStatus = Literal["pending", "approved", "declined"]
Decision = Literal["approve", "decline"]
AVAILABILITY_PATTERN = r"^(mon|tue|wed|thu|fri|sat|sun)-(morning|afternoon|evening)$"
AvailabilitySlot = Annotated[str, StringConstraints(max_length=16, pattern=AVAILABILITY_PATTERN)]


class NetworkRef(Schema):
    slug: str
    name: str
    area_name: str
    timezone: str


class SkillOut(Schema):
    id: int
    slug: str
    label: str


class CategoryOut(Schema):
    slug: str
    label: str


class NeighbourhoodOut(Schema):
    id: int
    name: str
    cell: str


class ProfileOut(Schema):
    """The member's own profile, including the private fields only they see."""

    id: int
    network: NetworkRef
    role: Role
    display_name: str
    languages: list[str]
    skills: list[SkillOut]
    free_tags: list[str]
    accessibility_needs: str
    cell: str
    availability: list[str]
    weekly_task_cap: int
    travel_radius_km: int
    contact_preference: ContactPreference
    phone: str
    joined_at: datetime
    inactive_since: datetime | None = Field(
        description="Since when I am shown as inactive after a long silence; null if active."
    )

    @staticmethod
    def resolve_skills(obj: Member) -> list[Any]:
        return list(obj.skills.all())

    @staticmethod
    def resolve_accessibility_needs(obj: Member) -> str:
        return obj.accessibility_needs or ""

    @staticmethod
    def resolve_phone(obj: Member) -> str:
        return obj.phone or ""


Tag = Annotated[str, StringConstraints(min_length=1, max_length=40), PlainText]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=60), PlainText]
Phone = Annotated[str, StringConstraints(max_length=40), PlainText]
LongText = Annotated[str, StringConstraints(max_length=1000), PlainText]


class ProfilePatchIn(InputSchema):
    """Send only what you change; a field left out (or null) keeps its current value."""

    display_name: DisplayName | None = None
    languages: Annotated[list[LanguageCode], Field(max_length=16)] | None = None
    skill_ids: Annotated[list[Id], Field(max_length=50)] | None = None
    free_tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    accessibility_needs: LongText | None = None
    cell: Cell | None = None
    availability: Annotated[list[AvailabilitySlot], Field(max_length=21)] | None = None
    weekly_task_cap: Annotated[int, Field(ge=0, le=50)] | None = None
    travel_radius_km: Annotated[int, Field(ge=0, le=200)] | None = None
    contact_preference: ContactPreference | None = None
    phone: Phone | None = None


class AnswerOut(Schema):
    question: str
    answer: str


class ApplicationOut(Schema):
    id: int
    display_name: str
    answers: list[AnswerOut]
    status: ApplicationStatus
    created_at: datetime
    approvals: int
    declines: int
    my_vote: Decision | None
    actions: list[str] = Field(
        description="What you may do with the application now: `approve`, `decline` (once, "
        "while it waits, never on your own)."
    )

    @staticmethod
    def resolve_approvals(obj: Application) -> int:
        return sum(v.decision == ApplicationVote.Decision.APPROVE for v in obj.votes.all())

    @staticmethod
    def resolve_declines(obj: Application) -> int:
        return sum(v.decision == ApplicationVote.Decision.DECLINE for v in obj.votes.all())

    @staticmethod
    def resolve_my_vote(obj: Application, context: dict[str, Any]) -> str | None:
        member = api_member(context["request"])
        return next((v.decision for v in obj.votes.all() if v.voter_id == member.pk), None)

    @staticmethod
    def resolve_actions(obj: Application, context: dict[str, Any]) -> list[str]:
        return selectors.application_actions(api_member(context["request"]), obj)


class VoteIn(InputSchema):
    decision: Decision


# --- Me


@router.get("/me", response=_responses(ProfileOut), operation_id="me_get", tags=["members"])
def me_get(request: HttpRequest) -> Member:
    """My membership of this network and my profile."""
    return api_member(request)


@router.post("/me/back", response=_responses(ProfileOut), operation_id="me_back", tags=["members"])
def me_back(request: HttpRequest) -> Member:
    """Say "I'm back": a member shown as inactive counts as active again at once. (Any
    request already counts as activity; only this, or signing in, ends being inactive.)"""
    return membership.member_back(actor=api_member(request))


@router.post("/me/leave", response=_responses(None, 204), operation_id="me_leave", tags=["members"])
def me_leave(request: HttpRequest) -> Any:
    """Leave the network this token belongs to. Your account and other networks stay; what
    goes and what stays is the same as for a member the network removes (docs/privacy.md,
    "Leaving a network"). The token goes with the membership."""
    membership.member_leave_by_choice(actor=api_member(request))
    return Status(204, None)


def _current_profile(member: Member) -> dict[str, Any]:
    return {
        "display_name": member.display_name,
        "languages": list(member.languages),
        "skill_ids": [skill.pk for skill in member.skills.all()],
        "free_tags": list(member.free_tags),
        "accessibility_needs": member.accessibility_needs or "",
        "cell": member.cell,
        "availability": list(member.availability),
        "weekly_task_cap": member.weekly_task_cap,
        "travel_radius_km": member.travel_radius_km,
        "contact_preference": member.contact_preference,
        "phone": member.phone or "",
    }


@router.patch(
    "/me/profile",
    response=_responses(ProfileOut),
    operation_id="me_profile_update",
    tags=["members"],
)
def me_profile_update(request: HttpRequest, payload: ProfilePatchIn) -> Member:
    """Change my profile. Fields left out (or null) keep their current value."""
    member = api_member(request)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    profile = _current_profile(member) | changes
    return services.member_update_profile(actor=member, member=member, **profile)


# --- The network's lists


@router.get(
    "/categories",
    response=_responses(list[CategoryOut]),
    operation_id="categories_list",
    tags=["network"],
)
def categories_list(request: HttpRequest) -> list[Category]:
    """Categories needs and offers can be filed under."""
    return list(selectors.categories_active(network=api_member(request).network))


@router.get(
    "/neighbourhoods",
    response=_responses(list[NeighbourhoodOut]),
    operation_id="neighbourhoods_list",
    tags=["network"],
)
def neighbourhoods_list(request: HttpRequest) -> list[Neighbourhood]:
    """Named areas members pick instead of an exact place; each is an H3 cell."""
    return list(selectors.neighbourhoods_of(network=api_member(request).network))


# --- Applications to join


@router.get(
    "/applications",
    response=_responses(list[ApplicationOut]),
    operation_id="applications_list",
    tags=["applications"],
)
@paginate(PageNumbers)
def applications_list(request: HttpRequest) -> Any:
    """Pending applications I may answer, oldest first."""
    return selectors.applications_pending(member=api_member(request))


@router.post(
    "/applications/{application_id}/vote",
    response=_responses(ApplicationOut),
    operation_id="applications_vote",
    tags=["applications"],
)
def applications_vote(request: HttpRequest, application_id: PathId, payload: VoteIn) -> Application:
    """Approve or decline an application; enough answers either way decide it."""
    member = api_member(request)
    application = selectors.access_application(member, application_id)
    return membership.application_vote(
        actor=member, application=application, decision=payload.decision
    )
