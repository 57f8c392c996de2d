"""What a passed proposal does: a registry of action types.

An action is stored on the proposal as {"type": ..., "params": {...}}. Its params are checked
when the proposal is opened (so members vote on something that can happen) and checked again
when it is applied, because the network may have changed in between. Applying calls the same
services every other door uses, with the proposal as the authority instead of a member.

The types: `admit_member`, `role_create`, `role_change_threshold`, `role_renew` (a new term
for a role's holders), `role_grant` / `role_remove` (a role given by decision, such as a
trained listener, for one named member), `agreement_adopt`, `disaster_mode`, `concern_start`
(start the conflict-resolution process for a member, with the proposal's words as the
concern) and `matching_policy_change` (matching weights and limits, through `matching.services`) and
`fair_share_change` (a pantry fair-share rule, through `pantry.services`).

Not here yet, on purpose: changing the fund policy. It arrives with the app that owns it;
until then such a type is unknown and refused when a proposal is opened.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db.models import Max
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput
from mutualaid.core.validation import clean_text
from mutualaid.fund.services import policy_change as fund_policy_change
from mutualaid.fund.services import policy_clean as fund_policy_clean
from mutualaid.governance.models import (
    AgreementVersion,
    Proposal,
    Role,
    RoleHolding,
)
from mutualaid.governance.services.agreements import agreement_adopt
from mutualaid.governance.services.concern_start import concern_start_by_decision
from mutualaid.governance.services.disaster_mode import network_disaster_mode_set
from mutualaid.governance.services.roles import (
    role_change_threshold,
    role_create,
    role_grant_by_decision,
    role_permissions_check,
    role_remove_by_decision,
    role_renew,
)
from mutualaid.matching.services import POLICY_FIELDS, policy_value_clean
from mutualaid.matching.services import policy_change as matching_policy_change
from mutualaid.membership.services import application_admit
from mutualaid.networks.models import Application, Member, Network
from mutualaid.networks.permissions import ALL_PERMISSIONS
from mutualaid.pantry.services import fair_share_clean, fair_share_set

Params = dict[str, Any]
SLUG: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


@dataclass(frozen=True)
class ActionType:
    clean: Callable[[Network, Params], Params]
    apply: Callable[[Proposal, Params], object]


def action_clean(*, network: Network, action: dict[str, Any]) -> dict[str, Any]:
    """The action with checked params, or {} for a plain decision. Raises InvalidInput."""
    if not action:
        return {}
    kind = action.get("type")
    params = action.get("params", {})
    if kind not in REGISTRY:
        raise InvalidInput(_("This proposal asks for an action mutualaid does not know."))
    if not isinstance(params, dict):
        raise InvalidInput(_("The action's details are not valid."))
    return {"type": kind, "params": REGISTRY[kind].clean(network, params)}


def action_apply(*, proposal: Proposal) -> None:
    """Apply the passed proposal's action, checking its params again first. Raises a
    DomainError (or ObjectDoesNotExist) when it cannot apply; the caller rolls back."""
    cleaned = action_clean(network=proposal.network, action=proposal.action)
    REGISTRY[cleaned["type"]].apply(proposal, cleaned["params"])


def _reason(proposal: Proposal) -> str:
    return f"proposal {proposal.pk}"


def _int(params: Params, key: str, *, low: int, high: int) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("%(field)s must be a whole number from %(low)s to %(high)s.")
            % {"field": key, "low": low, "high": high}
        )
    return value


def _slug(params: Params, key: str) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not SLUG.match(value):
        raise InvalidInput(_("Give a short name of lowercase letters, digits and dashes."))
    return value


def _threshold(params: Params) -> Params:
    try:
        fraction = Decimal(str(params.get("threshold_fraction")))
    except InvalidOperation:
        raise InvalidInput(_("The share of members must be a number from 0 to 1.")) from None
    if not Decimal(0) <= fraction <= Decimal(1):
        raise InvalidInput(_("The share of members must be a number from 0 to 1."))
    minimum = _int(params, "threshold_min", low=1, high=1000)
    cap = _int(params, "threshold_cap", low=minimum, high=1000)
    return {"threshold_fraction": str(fraction), "threshold_cap": cap, "threshold_min": minimum}


# --- admit_member -----------------------------------------------------------------------------


def _admit_clean(network: Network, params: Params) -> Params:
    application_id = _int(params, "application", low=1, high=2**62)
    pending = Application.objects.filter(
        pk=application_id, network=network, status=Application.Status.PENDING
    )
    if not pending.exists():
        raise InvalidInput(_("This application is not waiting for a decision."))
    return {"application": application_id}


def _admit_apply(proposal: Proposal, params: Params) -> object:
    application = Application.objects.get(pk=params["application"], network=proposal.network)
    return application_admit(application=application, reason=_reason(proposal))


# --- role_create / role_change_threshold -------------------------------------------------------


def _role_create_clean(network: Network, params: Params) -> Params:
    slug = _slug(params, "slug")
    if Role.objects.filter(network=network, slug=slug).exists():
        raise InvalidInput(_("A role with this name already exists."))
    permissions = params.get("permissions")
    if not isinstance(permissions, list) or not set(permissions) <= ALL_PERMISSIONS:
        raise InvalidInput(_("Some of these permissions do not exist."))
    granted_by = params.get("granted_by") or Role.GrantedBy.TRUST
    role_permissions_check(permissions, str(granted_by))
    term = params.get("term_months")
    return {
        "slug": slug,
        "name": clean_text(str(params.get("name", "")), field="name", max_length=80),
        "permissions": sorted(set(permissions)),
        "granted_by": str(granted_by),
        "term_months": None if term is None else _int(params, "term_months", low=1, high=120),
        **_threshold(params),
    }


def _role_create_apply(proposal: Proposal, params: Params) -> object:
    return role_create(
        network=proposal.network,
        slug=params["slug"],
        name=params["name"],
        permissions=params["permissions"],
        threshold_fraction=Decimal(params["threshold_fraction"]),
        threshold_cap=params["threshold_cap"],
        threshold_min=params["threshold_min"],
        term_months=params["term_months"],
        granted_by=params.get("granted_by", Role.GrantedBy.TRUST),
        proposal=proposal,
        reason=_reason(proposal),
    )


def _role_threshold_clean(network: Network, params: Params) -> Params:
    slug = _slug(params, "role")
    if not Role.objects.filter(network=network, slug=slug).exists():
        raise InvalidInput(_("This network has no such role."))
    return {"role": slug, **_threshold(params)}


def _role_threshold_apply(proposal: Proposal, params: Params) -> object:
    role = Role.objects.get(network=proposal.network, slug=params["role"])
    return role_change_threshold(
        role=role,
        threshold_fraction=Decimal(params["threshold_fraction"]),
        threshold_cap=params["threshold_cap"],
        threshold_min=params["threshold_min"],
        proposal=proposal,
        reason=_reason(proposal),
    )


# --- agreement_adopt --------------------------------------------------------------------------


def _agreement_clean(network: Network, params: Params) -> Params:
    slug = _slug(params, "agreement")
    review_on = params.get("review_on")
    try:
        review = date.fromisoformat(review_on) if review_on else None
    except (TypeError, ValueError):
        raise InvalidInput(_("Give the review date as YYYY-MM-DD.")) from None
    latest = AgreementVersion.objects.filter(
        agreement__network=network, agreement__slug=slug
    ).aggregate(n=Max("number"))["n"]
    base = params.get("base_version", latest or 0)
    if isinstance(base, bool) or not isinstance(base, int) or base < 0:
        raise InvalidInput(_("The action's details are not valid."))
    return {
        "agreement": slug,
        "title": clean_text(str(params.get("title", "")), field="title", max_length=120),
        "text": clean_text(str(params.get("text", "")), field="text", max_length=20000),
        "review_on": review.isoformat() if review else None,
        "base_version": base,
    }


def _agreement_apply(proposal: Proposal, params: Params) -> object:
    review_on = params["review_on"]
    return agreement_adopt(
        network=proposal.network,
        slug=params["agreement"],
        title=params["title"],
        text=params["text"],
        review_on=date.fromisoformat(review_on) if review_on else None,
        expected_version=params["base_version"],
        proposal=proposal,
        reason=_reason(proposal),
    )


# --- disaster_mode ----------------------------------------------------------------------------


def _disaster_clean(network: Network, params: Params) -> Params:
    on = params.get("on")
    if not isinstance(on, bool):
        raise InvalidInput(_("Say whether disaster mode goes on or off."))
    return {"on": on}


def _disaster_apply(proposal: Proposal, params: Params) -> object:
    return network_disaster_mode_set(
        network=proposal.network, on=params["on"], proposal=proposal, reason=_reason(proposal)
    )


# --- role_renew -------------------------------------------------------------------------------


def _role_renew_clean(network: Network, params: Params) -> Params:
    slug = _slug(params, "role")
    role = Role.objects.filter(network=network, slug=slug).first()
    if role is None:
        raise InvalidInput(_("This network has no such role."))
    if not role.term_months:
        raise InvalidInput(_("This role has no term, so there is nothing to renew."))
    member = params.get("member")
    if member is None:
        return {"role": slug, "member": None}
    member_id = _int(params, "member", low=1, high=2**62)
    if not RoleHolding.objects.filter(role=role, member_id=member_id).exists():
        raise InvalidInput(_("This member does not hold the role."))
    return {"role": slug, "member": member_id}


def _role_renew_apply(proposal: Proposal, params: Params) -> object:
    role = Role.objects.get(network=proposal.network, slug=params["role"])
    member = params["member"]
    return role_renew(
        role=role,
        member_ids=None if member is None else [member],
        proposal=proposal,
        reason=_reason(proposal),
    )


# --- role_grant / role_remove (roles given by decision) ---------------------------------------


def _decision_clean(network: Network, params: Params, *, granting: bool) -> Params:
    slug = _slug(params, "role")
    role = Role.objects.filter(network=network, slug=slug).first()
    if role is None:
        raise InvalidInput(_("This network has no such role."))
    if role.granted_by != Role.GrantedBy.DECISION:
        raise InvalidInput(_("This role is given by trust, not by a decision."))
    member_id = _int(params, "member", low=1, high=2**62)
    if not Member.objects.filter(pk=member_id, network=network).exists():
        raise InvalidInput(_("There is no member with that number in this network."))
    holds = RoleHolding.objects.filter(role=role, member_id=member_id, lapsed_at__isnull=True)
    if granting and holds.exists():
        raise InvalidInput(_("This member already holds the role."))
    if not granting and not holds.exists():
        raise InvalidInput(_("This member does not hold the role."))
    return {"role": slug, "member": member_id}


def _role_grant_clean(network: Network, params: Params) -> Params:
    return _decision_clean(network, params, granting=True)


def _role_remove_clean(network: Network, params: Params) -> Params:
    return _decision_clean(network, params, granting=False)


def _decision_apply(proposal: Proposal, params: Params) -> tuple[Role, Member]:
    role = Role.objects.get(network=proposal.network, slug=params["role"])
    return role, Member.objects.get(pk=params["member"], network=proposal.network)


def _role_grant_apply(proposal: Proposal, params: Params) -> object:
    role, member = _decision_apply(proposal, params)
    return role_grant_by_decision(
        role=role, member=member, proposal=proposal, reason=_reason(proposal)
    )


def _role_remove_apply(proposal: Proposal, params: Params) -> object:
    role, member = _decision_apply(proposal, params)
    return role_remove_by_decision(
        role=role, member=member, proposal=proposal, reason=_reason(proposal)
    )


# --- concern_start ----------------------------------------------------------------------------


def _concern_clean(network: Network, params: Params) -> Params:
    member_id = _int(params, "member", low=1, high=2**62)
    if not Member.objects.filter(pk=member_id, network=network).exists():
        raise InvalidInput(_("There is no member with that number in this network."))
    return {"member": member_id}


def _concern_apply(proposal: Proposal, params: Params) -> object:
    about = Member.objects.get(pk=params["member"], network=proposal.network)
    text = "\n\n".join(part for part in (proposal.title, proposal.body) if part)
    return concern_start_by_decision(proposal=proposal, about=about, text=text)


# --- matching_policy_change ---------------------------------------------------------------------


def _matching_clean(network: Network, params: Params) -> Params:
    """The params are the settings to change, each checked by the matching app's own rule."""

    if not params:
        raise InvalidInput(_("Say what to change."))
    unknown = sorted(set(params) - set(POLICY_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Matching has no setting called %(names)s.") % {"names": ", ".join(unknown)}
        )
    return {field: policy_value_clean(field, value) for field, value in sorted(params.items())}


def _matching_apply(proposal: Proposal, params: Params) -> object:

    return matching_policy_change(network=proposal.network, changes=dict(params), proposal=proposal)


# --- fair_share_change ------------------------------------------------------------------------


def _fair_share_clean(network: Network, params: Params) -> Params:
    """{"item": name} or {"category": slug}, with "quantity" (0 removes) and "period"."""

    item, category, quantity, period = fair_share_clean(
        network=network,
        item_name=str(params.get("item") or ""),
        category=str(params.get("category") or ""),
        # pantry checks a missing quantity itself, though its signature says int
        quantity=params.get("quantity"),  # type: ignore[arg-type]  # see the line above
        period=str(params.get("period") or ""),
    )
    return {
        "item": item.name if item else "",
        "category": category,
        "quantity": quantity,
        "period": period,
    }


def _fair_share_apply(proposal: Proposal, params: Params) -> object:

    return fair_share_set(
        network=proposal.network,
        item_name=params["item"],
        category=params["category"],
        quantity=params["quantity"],
        period=params["period"],
        reason=_reason(proposal),
    )


# --- fund_policy_change -------------------------------------------------------------------------


def _fund_policy_clean(network: Network, params: Params) -> Params:
    """The params are the fund policy settings to change, each checked by the fund's own rule."""

    if not params:
        raise InvalidInput(_("Say what to change."))
    return fund_policy_clean(dict(params))


def _fund_policy_apply(proposal: Proposal, params: Params) -> object:

    return fund_policy_change(
        network=proposal.network, changes=dict(params), reason=_reason(proposal)
    )


REGISTRY: Final[dict[str, ActionType]] = {
    "admit_member": ActionType(_admit_clean, _admit_apply),
    "role_create": ActionType(_role_create_clean, _role_create_apply),
    "role_change_threshold": ActionType(_role_threshold_clean, _role_threshold_apply),
    "agreement_adopt": ActionType(_agreement_clean, _agreement_apply),
    "disaster_mode": ActionType(_disaster_clean, _disaster_apply),
    "role_renew": ActionType(_role_renew_clean, _role_renew_apply),
    "role_grant": ActionType(_role_grant_clean, _role_grant_apply),
    "role_remove": ActionType(_role_remove_clean, _role_remove_apply),
    "concern_start": ActionType(_concern_clean, _concern_apply),
    "matching_policy_change": ActionType(_matching_clean, _matching_apply),
    "fair_share_change": ActionType(_fair_share_clean, _fair_share_apply),
    "fund_policy_change": ActionType(_fund_policy_clean, _fund_policy_apply),
}
