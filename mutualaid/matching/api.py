"""API: the network's matching policy, and suggested helpers for a need."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema

from mutualaid.core.api import (
    Id,
    IdempotencyKey,
    InputSchema,
    PathId,
    created_once,
    responses,
)
from mutualaid.matching import selectors, services
from mutualaid.needs.api import MatchState, MemberRef
from mutualaid.needs.models import Match
from mutualaid.needs.selectors import access_member, access_need
from mutualaid.networks.requests import api_member

router = Router()


class PolicyOut(Schema):
    weight_distance: float
    weight_load: float
    weight_urgency: float
    weight_waiting: float
    weight_fairness: float
    weight_area: float = Field(
        description="Weight of how many recent needs in a need's neighbourhood went without "
        "help (0: not counted)."
    )
    helper_cap: int = Field(description="Tasks any one helper is asked for per period.")
    cap_period_days: int
    rotate_first: bool = Field(description="People with least help recently come first.")
    requester_sees_suggestions: bool
    suggestion_hours: int = Field(description="Hours a helper has to answer a suggestion.")
    asks_per_need: int = Field(description="Helpers matching asks about one need at once.")
    ask_next_after_hours: int = Field(
        description="With several asks: hours the last helper asked has to answer before one "
        "more is asked (0: all at once)."
    )
    batch_enabled: bool = Field(description="Matching suggests helpers every 15 minutes.")
    in_words: list[str] = Field(description="The policy in plain words, in my language.")

    @staticmethod
    def resolve_in_words(obj: Any, context: dict[str, Any]) -> list[str]:
        return selectors.policy_sentences(obj)


class CandidateOut(Schema):
    helper: MemberRef
    distance_km: float
    reasons: list[str] = Field(description='e.g. "1.2 km away", "speaks Spanish".')
    asked: bool = Field(description="Already asked, waiting for their answer.")


class SuggestionOut(Schema):
    id: int
    helper: MemberRef | None
    state: MatchState
    expires_at: datetime | None


class AskIn(InputSchema):
    helper_id: Id = Field(description="A member of my network (see GET …/candidates).")


@router.get(
    "/matching/policy",
    response=responses(PolicyOut),
    operation_id="matching_policy_get",
    tags=["matching"],
)
def matching_policy_get(request: HttpRequest) -> Any:
    """How matching works in my network: its settings, and the same in plain words."""
    return selectors.policy_for(api_member(request).network)


@router.get(
    "/needs/{need_id}/candidates",
    response=responses(list[CandidateOut]),
    operation_id="needs_candidates",
    tags=["matching"],
)
def needs_candidates(request: HttpRequest, need_id: PathId) -> Any:
    """The best helpers for a need, for organisers (and for the requester if the network
    allows it). Empty for anyone else."""
    member = api_member(request)
    need = access_need(member, need_id)
    return selectors.need_candidates(member=member, need=need)


@router.post(
    "/needs/{need_id}/candidates",
    response=responses(SuggestionOut, 201),
    operation_id="needs_ask_candidate",
    tags=["matching"],
)
def needs_ask_candidate(
    request: HttpRequest,
    need_id: PathId,
    payload: AskIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Ask a helper whether they can help with this need. They still say yes or no."""
    member = api_member(request)
    need = access_need(member, need_id)
    helper = access_member(member, payload.helper_id)

    def create() -> Match:
        return services.suggestion_ask(actor=member, need=need, helper=helper)

    return created_once(request, key=idempotency_key, create=create, out=SuggestionOut)
