"""Matching's part of other apps' pages. Needs sits below matching and never imports it: the
need's page asks for `{% need_candidates need %}`, and matching decides who sees what."""

import logging
from typing import Any

from django import template

from mutualaid.matching.selectors import Candidate, may_see_candidates, need_candidates, policy_for
from mutualaid.needs.models import Need
from mutualaid.networks.requests import MemberRequest

log = logging.getLogger(__name__)
register = template.Library()


def _candidates_for(request: MemberRequest, need: Need) -> tuple[bool, list[Candidate]]:
    """Whether the member sees the need's suggested helpers, and those helpers."""
    member = request.member
    if need.status != Need.Status.OPEN or not may_see_candidates(
        member, need, policy_for(need.network)
    ):
        return False, []
    try:
        return True, need_candidates(member=member, need=need)
    except ValueError:
        # The page still works if the engine cannot answer; the log says why.
        log.exception("instant suggestions failed for need %s", need.pk)
        return True, []


@register.inclusion_tag("matching/_candidates.html", takes_context=True)
def need_candidates_section(context: template.Context, need: Need) -> dict[str, Any]:
    """The need's best helpers, for organisers (and the requester if the network allows)."""
    request: MemberRequest = context["request"]
    show, candidates = _candidates_for(request, need)
    return {"request": request, "need": need, "show_candidates": show, "candidates": candidates}
