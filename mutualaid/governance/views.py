"""The governance pages: people and the trust between them, roles, the history log,
proposals and agreements.

Each view fetches, calls at most one service and renders. People are read through the
governance selectors; `roles_described` puts roles into plain words for the pages and the API.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, Q, QuerySet, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mutualaid.core.errors import NotFound
from mutualaid.core.pages import Outcome, form_action
from mutualaid.core.selectors import history_lines, history_visible
from mutualaid.fund.models import FundPolicy
from mutualaid.governance import selectors
from mutualaid.governance.forms import (
    CHOICE_LABELS,
    CONCERN_CHOICE_LABELS,
    CommentForm,
    ConcernAnswerForm,
    ConcernForm,
    ConcernVoteForm,
    HistoryFilterForm,
    ProposalForm,
    VoteForm,
    WithdrawForm,
)
from mutualaid.governance.models import Concern, Proposal, Role, RoleHolding, Vote
from mutualaid.governance.selectors import (
    VisibleVote,
    access_member,
    active_member_count,
    agreements_current,
    holdings_current,
    people_of,
    proposal_actions,
    proposal_comments,
    proposal_votes_visible,
    proposal_voting_open,
    proposals_for,
)
from mutualaid.governance.services import concern_start as concern_start_services
from mutualaid.governance.services import concerns as concern_services
from mutualaid.governance.services import proposals as proposal_services
from mutualaid.governance.services import roles as role_services
from mutualaid.governance.services import trust as trust_services
from mutualaid.matching.models import MatchingPolicy
from mutualaid.networks.decorators import member_page
from mutualaid.networks.models import Member, Network
from mutualaid.networks.requests import MemberRequest
from mutualaid.pantry.models import FairShareRule

HISTORY_PAGE_SIZE = 50
T = TypeVar("T")

PERMISSION_SENTENCES: dict[str, Promise] = {
    "network.manage": gettext_lazy("Change the network's settings and its invitation link."),
    "network.moderate": gettext_lazy("Moderate what members post."),
    "application.review": gettext_lazy("Approve or decline applications to join."),
    "network.view_members": gettext_lazy("See the network's members."),
    "need.post": gettext_lazy("Ask for help."),
    "need.browse": gettext_lazy("Browse the needs of the network."),
    "offer.post": gettext_lazy("Offer help."),
    "match.offer_help": gettext_lazy("Offer to help with a need."),
    "trust.give": gettext_lazy("Give trust to other members."),
    "care.listen": gettext_lazy(
        "Take requests for a listening conversation and join the listeners' debrief circle."
    ),
}


# --- Reads shaped for display (shared with the API) ----------------------------------------


def _share_words(fraction: Decimal) -> str:
    words = {
        Decimal("1"): _("all"),
        Decimal("0.5"): _("half"),
        Decimal("0.25"): _("a quarter"),
    }
    if fraction in words:
        return words[fraction]
    return _("%(percent)s%%") % {"percent": f"{fraction * 100:.0f}"}


def threshold_words(role: Role, needed: int) -> str:
    if role.granted_by == Role.GrantedBy.DECISION:
        return _(
            "Given to a named member by a proposal the network passes (for example once they "
            "have done the training), and taken away the same way. Trust alone does not give it."
        )
    return _(
        "Trusted by %(share)s of the active members, at least %(min)s and at most %(cap)s: "
        "%(needed)s now."
    ) % {
        "share": _share_words(Decimal(role.threshold_fraction)),
        "min": role.threshold_min,
        "cap": role.threshold_cap,
        "needed": needed,
    }


def term_words(role: Role) -> str:
    if not role.term_months:
        return _("No term: held for as long as the trust lasts.")
    return _("Held for %(months)s months at a time, then it lapses unless renewed.") % {
        "months": role.term_months
    }


@dataclass
class RoleView:
    role: Role
    permissions: list[str]
    threshold: str
    needed: int
    term: str
    holders: list[RoleHolding]


def roles_described(*, network: Network) -> list[RoleView]:
    """The network's roles in plain words, with their current holders. Default roles a network
    has not set up yet are shown as they will be."""
    roles = list(Role.objects.filter(network=network))
    have = {role.slug for role in roles}
    for slug, rule in role_services.DEFAULT_ROLES.items():
        if slug not in have:
            roles.append(Role(network=network, slug=slug, **{**rule, "name": str(rule["name"])}))
    holders: dict[int, list[RoleHolding]] = {}
    current = holdings_current(network=network).select_related("member").order_by("granted_at")
    for holding in current:
        holders.setdefault(holding.role_id, []).append(holding)
    active = active_member_count(network)
    return [
        RoleView(
            role=role,
            permissions=[str(PERMISSION_SENTENCES.get(p, p)) for p in role.permissions or []],
            threshold=threshold_words(role, role.trust_needed(active)),
            needed=role.trust_needed(active),
            term=term_words(role),
            holders=holders.get(role.pk, []) if role.pk else [],
        )
        for role in roles
    ]


# --- Pages ---------------------------------------------------------------------------------


def _refusal(form: forms.Form) -> str:
    """The service's reason a form page was refused, as `form_error` put it on the form."""
    return " ".join(str(message) for message in form.non_field_errors())


def _button(request: MemberRequest, action: Callable[[], T]) -> tuple[Outcome[T], str]:
    """Run a button's service. A refusal is shown on the page the button is on, with the
    service's status (403, 409, ...), as the API answers it; not as a redirect."""
    form = forms.Form(data={})
    form.is_valid()  # an empty form is valid; the service's refusal is its only error
    outcome = form_action(form, action)
    return outcome, _refusal(form)


def _render_people(request: MemberRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    member = request.member
    people = people_of(member=member)
    context = {
        "network": request.network,
        "people": people,
        "trusted_by_me": [p for p in people if p.trusted_by_me],
        "error": error,
    }
    return render(request, "governance/people.html", context, status=status)


@member_page
def people(request: MemberRequest) -> HttpResponse:
    return _render_people(request)


def _trust_change(request: MemberRequest, member_id: int, *, give: bool) -> HttpResponse:
    member = request.member
    change = trust_services.trust_give if give else trust_services.trust_revoke

    def trust_change() -> Member:
        other = access_member(member, member_id)  # the same 404 page, missing or not ours
        change(actor=member, receiver=other)
        return other

    outcome, error = _button(request, trust_change)
    if outcome.value is None:
        return _render_people(request, error=error, status=outcome.status)
    text = _("You now trust %(name)s.") if give else _("You took back your trust in %(name)s.")
    messages.success(request, text % {"name": outcome.value.display_name})
    return redirect("governance:people", slug=request.network.slug)


@require_POST
@member_page
def trust_give(request: MemberRequest, member_id: int) -> HttpResponse:
    return _trust_change(request, member_id, give=True)


@require_POST
@member_page
def trust_revoke(request: MemberRequest, member_id: int) -> HttpResponse:
    return _trust_change(request, member_id, give=False)


@member_page
def roles(request: MemberRequest) -> HttpResponse:
    network = request.network
    context = {"network": network, "roles": roles_described(network=network)}
    return render(request, "governance/roles.html", context)


@member_page
def history(request: MemberRequest) -> HttpResponse:
    member = request.member
    members = list(Member.objects.filter(network_id=member.network_id).only("id", "display_name"))
    form = HistoryFilterForm(request.GET or None, members=members)
    filters: dict[str, Any] = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = {"kind": form.cleaned_data["kind"], "actor_id": form.cleaned_data["member"]}
        else:
            status = 400
    entries = history_visible(member=member, **filters)
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "network": request.network,
        "form": form,
        "page_obj": page,
        "lines": history_lines(page.object_list, member=member),
    }
    return render(request, "governance/history.html", context, status=status)


# --- Proposals and agreements --------------------------------------------------------------

REASON_WORDS: dict[str, Promise] = {
    "passed": gettext_lazy("It passed."),
    "objection": gettext_lazy("A member objected."),
    "blocked": gettext_lazy("A member blocked it."),
    "not_enough_agreement": gettext_lazy("Not enough members agreed."),
    "quorum_not_met": gettext_lazy("Too few members voted for a decision (no quorum)."),
    "tie": gettext_lazy("It was a tie."),
    "no_votes": gettext_lazy("Nobody voted."),
    "majority": gettext_lazy("A majority voted for it."),
    "no_majority": gettext_lazy("There was no majority for it."),
    "winner": gettext_lazy("An option won."),
}


def action_words(action: dict[str, Any]) -> str:
    """What a proposal's action does, in plain words."""
    kind = action.get("type", "") if action else ""
    params = action.get("params", {}) if action else {}
    if not kind:
        return _("A plain decision: nothing changes by itself.")
    if kind == "disaster_mode":
        if params.get("on"):
            return _("Switch the network to disaster mode.")
        return _("Switch disaster mode off.")
    if kind == "role_change_threshold":
        return _(
            "Change the trust the role “%(role)s” needs: %(share)s of the active members, "
            "at least %(min)s and at most %(cap)s."
        ) % {
            "role": params.get("role", ""),
            "share": _share_words(Decimal(str(params.get("threshold_fraction", "0")))),
            "min": params.get("threshold_min", ""),
            "cap": params.get("threshold_cap", ""),
        }
    if kind == "role_create":
        return _("Create the role “%(name)s”.") % {"name": params.get("name", "")}
    if kind == "agreement_adopt":
        return _("Adopt the agreement “%(title)s” with the text below.") % {
            "title": params.get("title", "")
        }
    if kind == "admit_member":
        return _("Admit the applicant to the network.")
    if kind == "matching_policy_change":
        changes = "; ".join(
            f"{_field_label(MatchingPolicy, field)}: {_shown(value)}"
            for field, value in sorted(params.items())
        )
        return _("Change how matching works: %(changes)s.") % {"changes": changes}
    if kind == "fair_share_change":
        return _fair_share_words(params)
    if kind == "fund_policy_change":
        changes = "; ".join(
            f"{_field_label(FundPolicy, field)}: {_shown(value)}"
            for field, value in sorted(params.items())
        )
        return _("Change the fund's policy: %(changes)s.") % {"changes": changes}
    if kind == "role_renew":
        return _("Renew the role “%(role)s” for another full term.") % {
            "role": params.get("role", "")
        }
    if kind in ("role_grant", "role_remove"):
        member_id = params.get("member")
        name = (
            Member.objects.filter(pk=member_id).values_list("display_name", flat=True).first()
            if isinstance(member_id, int)
            else None
        ) or _("a former member")
        words = (
            _("Give %(name)s the role “%(role)s”.")
            if kind == "role_grant"
            else _("Take the role “%(role)s” away from %(name)s.")
        )
        return words % {"name": name, "role": params.get("role", "")}
    if kind == "concern_start":
        member_id = params.get("member")
        name = (
            Member.objects.filter(pk=member_id).values_list("display_name", flat=True).first()
            if isinstance(member_id, int)
            else None
        ) or _("a former member")
        return _(
            "Start the conflict-resolution process about %(name)s, with this proposal's words "
            "as the concern."
        ) % {"name": name}
    return kind


def proposal_of(member: Member, proposal_id: int) -> Proposal:
    """A proposal of the member's network; the same 404 for unknown ids and other networks."""
    found = proposals_for(member).filter(pk=proposal_id).first()
    if found is None:
        raise NotFound()
    return found


def proposals_in_order(member: Member) -> QuerySet[Proposal]:
    """The network's proposals: open ones first, soonest deadline first; then decided ones,
    newest first."""
    is_open = Q(status=Proposal.Status.OPEN)
    return proposals_for(member).order_by(
        Case(When(is_open, then=0), default=1),
        Case(When(is_open, then=F("deadline"))).asc(nulls_last=True),
        "-created_at",
        "-pk",
    )


def _role_choices(network: Network) -> list[tuple[str, str]]:
    return [(r.slug, r.name) for r in Role.objects.filter(network=network).order_by("name")]


@member_page
def proposals(request: MemberRequest) -> HttpResponse:
    member = request.member
    everything = list(proposals_in_order(member))
    open_ones = [p for p in everything if p.status == Proposal.Status.OPEN]
    decided = [p for p in everything if p.status != Proposal.Status.OPEN]
    context = {"network": request.network, "open": open_ones, "decided": decided}
    return render(request, "governance/proposals.html", context)


@member_page
def proposal_create(request: MemberRequest) -> HttpResponse:
    member, network = request.member, request.network
    form = ProposalForm(
        request.POST if request.method == "POST" else None,
        roles=_role_choices(network),
        members=[
            (m.pk, m.display_name)
            for m in Member.objects.filter(network=network)
            .exclude(pk=member.pk)
            .only("id", "display_name")
        ],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form,
                lambda: proposal_services.proposal_open(actor=member, **form.proposal_kwargs()),
            )
            status = outcome.status
            if outcome.value is not None:
                messages.success(request, _("Your proposal is open. Members have been told."))
                return redirect(
                    "governance:proposal_detail", slug=network.slug, proposal_id=outcome.value.pk
                )
    context = {"network": network, "form": form}
    return render(request, "governance/proposal_form.html", context, status=status)


def _ballot_words(vote: VisibleVote) -> str:
    if vote["choice"]:
        return str(CHOICE_LABELS.get(vote["choice"], vote["choice"]))
    if vote["ranking"]:
        return " > ".join(vote["ranking"])
    return ", ".join(f"{option}: {score}" for option, score in vote["scores"].items())


def _render_proposal(
    request: MemberRequest,
    proposal: Proposal,
    *,
    vote_form: VoteForm | None = None,
    comment_form: CommentForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    member = request.member
    outcome = proposal.outcome or {}
    context = {
        "network": request.network,
        "proposal": proposal,
        "action_words": action_words(proposal.action),
        "action_text": (proposal.action or {}).get("params", {}).get("text", ""),
        "is_open": proposal_voting_open(proposal),
        "voted": Vote.objects.filter(proposal=proposal, voter=member).exists(),
        "actions": proposal_actions(member, proposal),
        "vote_form": vote_form or VoteForm(proposal=proposal),
        "comment_form": comment_form or CommentForm(),
        "comments": proposal_comments(member, proposal),
        "votes": [
            {**vote, "words": _ballot_words(vote)}
            for vote in proposal_votes_visible(member, proposal)
        ],
        "outcome": outcome,
        "outcome_words": REASON_WORDS.get(str(outcome.get("reason", "")), ""),
        "choice_labels": CHOICE_LABELS,
        "error": error,
    }
    return render(request, "governance/proposal_detail.html", context, status=status)


@member_page
def proposal_detail(request: MemberRequest, proposal_id: int) -> HttpResponse:
    return _render_proposal(request, proposal_of(request.member, proposal_id))


@require_POST
@member_page
def proposal_vote(request: MemberRequest, proposal_id: int) -> HttpResponse:
    member = request.member
    proposal = proposal_of(member, proposal_id)
    form = VoteForm(request.POST, proposal=proposal)
    if not form.is_valid():
        return _render_proposal(request, proposal, vote_form=form, status=400)
    outcome = form_action(
        form,
        lambda: proposal_services.proposal_vote(actor=member, proposal=proposal, **form.ballot()),
    )
    if not outcome.ok:
        return _render_proposal(
            request, proposal, vote_form=form, error=_refusal(form), status=outcome.status
        )
    messages.success(request, _("Your vote is counted."))
    return redirect(
        "governance:proposal_detail", slug=request.network.slug, proposal_id=proposal.pk
    )


@require_POST
@member_page
def proposal_comment(request: MemberRequest, proposal_id: int) -> HttpResponse:
    member = request.member
    proposal = proposal_of(member, proposal_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_proposal(request, proposal, comment_form=form, status=400)
    body = form.cleaned_data["body"]
    outcome = form_action(
        form, lambda: proposal_services.proposal_comment(actor=member, proposal=proposal, body=body)
    )
    if not outcome.ok:
        return _render_proposal(
            request, proposal, comment_form=form, error=_refusal(form), status=outcome.status
        )
    messages.success(request, _("Your comment is added."))
    return redirect(
        "governance:proposal_detail", slug=request.network.slug, proposal_id=proposal.pk
    )


@require_POST
@member_page
def proposal_withdraw(request: MemberRequest, proposal_id: int) -> HttpResponse:
    member = request.member
    proposal = proposal_of(member, proposal_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_proposal(request, proposal, status=400, error=_("Please check the form."))
    reason = form.cleaned_data["reason"]
    outcome = form_action(
        form,
        lambda: proposal_services.proposal_withdraw(actor=member, proposal=proposal, reason=reason),
    )
    if not outcome.ok:
        return _render_proposal(request, proposal, error=_refusal(form), status=outcome.status)
    messages.success(request, _("Your proposal is withdrawn."))
    return redirect("governance:proposals", slug=request.network.slug)


@member_page
def agreements(request: MemberRequest) -> HttpResponse:
    network = request.network
    context = {"network": network, "versions": agreements_current(network)}
    return render(request, "governance/agreements.html", context)


# --- Conflict resolution -------------------------------------------------------------------

STEP_WORDS: dict[str, Promise] = {
    "concern.raise": gettext_lazy("The concern was raised."),
    "concern.answer": gettext_lazy("The member answered."),
    "concern.round_open": gettext_lazy("A round of voting opened."),
    "concern.vote": gettext_lazy("A member voted."),
    "concern.round_close": gettext_lazy("The round closed."),
    "concern.decide": gettext_lazy("The network decided."),
}


def _other_members(member: Member) -> list[tuple[int, str]]:
    others = Member.objects.filter(network_id=member.network_id).exclude(pk=member.pk)
    return [(m.pk, m.display_name) for m in others.only("id", "display_name")]


@member_page
def concerns(request: MemberRequest) -> HttpResponse:
    member = request.member
    visible = list(selectors.concerns_visible(member))
    context = {
        "network": request.network,
        "about_me": [c for c in visible if c.about_id == member.pk],
        "voting": [
            c for c in visible if c.status == Concern.Status.VOTING and c.about_id != member.pk
        ],
        "answering": [
            c for c in visible if c.status == Concern.Status.ANSWERING and c.about_id != member.pk
        ],
        "decided": [
            c for c in visible if c.status == Concern.Status.DECIDED and c.about_id != member.pk
        ],
    }
    return render(request, "governance/concerns.html", context)


@member_page
def concern_create(request: MemberRequest) -> HttpResponse:
    member, network = request.member, request.network
    initial = {"about": request.GET.get("about", "")}
    form = ConcernForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        members=_other_members(member),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            outcome = form_action(
                form,
                lambda: concern_start_services.concern_raise(
                    actor=member, about=access_member(member, data["about"]), text=data["text"]
                ),
            )
            status = outcome.status
            if outcome.value is not None:
                messages.success(
                    request, _("Your concern is raised. The member it is about has been told.")
                )
                return redirect(
                    "governance:concern_detail", slug=network.slug, concern_id=outcome.value.pk
                )
    context = {"network": network, "form": form}
    return render(request, "governance/concern_form.html", context, status=status)


def _render_concern(
    request: MemberRequest,
    concern: Concern,
    *,
    answer_form: ConcernAnswerForm | None = None,
    vote_form: ConcernVoteForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    view = selectors.concern_view(request.member, concern)
    context = {
        "network": request.network,
        "view": view,
        "concern": concern,
        "steps": [(step, STEP_WORDS.get(step.action, step.action)) for step in view.steps],
        "choice_labels": CONCERN_CHOICE_LABELS,
        "answer_form": answer_form or ConcernAnswerForm(),
        "vote_form": vote_form or ConcernVoteForm(),
        "error": error,
    }
    return render(request, "governance/concern_detail.html", context, status=status)


@member_page
def concern_detail(request: MemberRequest, concern_id: int) -> HttpResponse:
    return _render_concern(request, selectors.access_concern(request.member, concern_id))


def _back_to_concern(request: MemberRequest, concern: Concern, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("governance:concern_detail", slug=request.network.slug, concern_id=concern.pk)


@require_POST
@member_page
def concern_answer(request: MemberRequest, concern_id: int) -> HttpResponse:
    member = request.member
    concern = selectors.access_concern(member, concern_id)
    form = ConcernAnswerForm(request.POST)
    if not form.is_valid():
        return _render_concern(request, concern, answer_form=form, status=400)
    text = form.cleaned_data["text"]
    outcome = form_action(
        form, lambda: concern_services.concern_answer(actor=member, concern=concern, text=text)
    )
    if not outcome.ok:
        return _render_concern(
            request, concern, answer_form=form, error=_refusal(form), status=outcome.status
        )
    return _back_to_concern(request, concern, _("Your answer is recorded. The vote is open."))


@require_POST
@member_page
def concern_open_vote(request: MemberRequest, concern_id: int) -> HttpResponse:
    member = request.member
    concern = selectors.access_concern(member, concern_id)
    outcome, error = _button(
        request, lambda: concern_services.concern_open_vote(actor=member, concern=concern)
    )
    if not outcome.ok:
        return _render_concern(request, concern, error=error, status=outcome.status)
    return _back_to_concern(request, concern, _("The vote is open."))


@require_POST
@member_page
def concern_vote(request: MemberRequest, concern_id: int) -> HttpResponse:
    member = request.member
    concern = selectors.access_concern(member, concern_id)
    form = ConcernVoteForm(request.POST)
    if not form.is_valid():
        return _render_concern(request, concern, vote_form=form, status=400)
    choice = form.cleaned_data["choice"]
    outcome = form_action(
        form, lambda: concern_services.concern_vote(actor=member, concern=concern, choice=choice)
    )
    if not outcome.ok:
        return _render_concern(
            request, concern, vote_form=form, error=_refusal(form), status=outcome.status
        )
    return _back_to_concern(request, concern, _("Your vote is counted."))


def _field_label(model: Any, field: str) -> str:
    found = [f for f in model._meta.fields if f.name == field]
    return str(found[0].verbose_name) if found else field


def _shown(value: Any) -> str:
    return str(_("yes") if value is True else _("no") if value is False else value)


def _fair_share_words(params: dict[str, Any]) -> str:
    """A pantry fair-share rule as the proposal asks for it, in plain words."""
    what = params.get("item") or params.get("category") or ""
    if not params.get("quantity"):
        return _("Remove the pantry's fair-share rule for “%(what)s”.") % {"what": what}
    period = dict(FairShareRule.Period.choices).get(params.get("period", ""), "")
    return _(
        "Set the pantry's fair share for “%(what)s”: at most %(quantity)s per household %(period)s."
    ) % {"what": what, "quantity": params["quantity"], "period": period}
