"""The notices about proposals, roles, agreements and concerns, as data: who hears of what.

Services send them with `notice_send("proposal.opened", proposal.pk)` inside their
transaction. A notice about a concern never names who raised it, and never carries the
concern's words: the affected member reads those on the page, signed in.
"""

from collections.abc import Iterable
from typing import Final

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.core.notify import Recipient
from mutualaid.governance.models import AgreementVersion, Concern, Proposal, RoleHolding
from mutualaid.networks.models import Member, Network
from mutualaid.networks.notices import Outsider

UTC_MINUTE: Final = "%Y-%m-%d %H:%M UTC"


def _members(network_id: int) -> list[Member]:
    return list(Member.objects.filter(network_id=network_id).select_related("user", "network"))


# --- proposals --------------------------------------------------------------------------------


def _proposal(proposal_id: int) -> Proposal | None:
    return Proposal.objects.filter(pk=proposal_id).first()


def _proposal_open(proposal_id: int) -> Proposal | None:
    """Only a proposal still open is worth a reminder."""
    return Proposal.objects.filter(pk=proposal_id, status=Proposal.Status.OPEN).first()


def _title_and_deadline(proposal: Proposal, extra: Extra) -> dict[str, object]:
    return {"title": proposal.title, "deadline": proposal.deadline.strftime(UTC_MINUTE)}


def _title_and_error(proposal: Proposal, extra: Extra) -> dict[str, object]:
    return {"title": proposal.title, "error": proposal.apply_error}


def _to_all_but_the_author(proposal: Proposal, extra: Extra) -> Iterable[Member]:
    return [m for m in _members(proposal.network_id) if m.pk != proposal.author_id]


def _to_who_has_not_voted(proposal: Proposal, extra: Extra) -> Iterable[Member]:
    voted = set(proposal.votes.values_list("voter_id", flat=True))
    return [m for m in _members(proposal.network_id) if m.pk not in voted]


def _to_every_member(proposal: Proposal, extra: Extra) -> Iterable[Member]:
    return _members(proposal.network_id)


# The body of an outcome notice says which outcome; one kind for each (see `proposal_close`).
OUTCOME_BODIES: Final[dict[str, Promise]] = {
    Proposal.Status.PASSED: _("The proposal passed."),
    Proposal.Status.REJECTED: _("The proposal did not pass."),
    Proposal.Status.UNDECIDED: _("The proposal was not decided (no quorum, a tie or no votes)."),
    Proposal.Status.APPLY_FAILED: _(
        "The proposal passed, but what it decided could not be done: %(error)s"
    ),
}


def outcome_kind(status: str) -> str | None:
    """The notice kind that tells members a proposal closed with this status, if any."""
    return f"proposal.outcome.{status}" if status in OUTCOME_BODIES else None


# --- roles and agreements ---------------------------------------------------------------------


def _holding_ending(holding_id: int) -> RoleHolding | None:
    holding = (
        RoleHolding.objects.select_related("role", "member__user", "member__network")
        .filter(pk=holding_id, lapsed_at__isnull=True, expires_at__isnull=False)
        .first()
    )
    return holding


def _role_and_date(holding: RoleHolding, extra: Extra) -> dict[str, object]:
    ends = holding.expires_at.strftime("%Y-%m-%d") if holding.expires_at else ""
    return {"role": holding.role.name, "date": ends}


def _to_holder(holding: RoleHolding, extra: Extra) -> Iterable[Member]:
    return [holding.member]


def _renewal_path(holding: RoleHolding) -> str:
    return reverse("governance:proposal_create", kwargs={"slug": holding.member.network.slug})


def _version_for_review(version_id: int) -> AgreementVersion | None:
    return (
        AgreementVersion.objects.select_related("agreement")
        .filter(pk=version_id, review_on__isnull=False)
        .first()
    )


def _agreement_title_and_date(version: AgreementVersion, extra: Extra) -> dict[str, object]:
    review_on = version.review_on.isoformat() if version.review_on else ""
    return {"title": version.agreement.title, "date": review_on}


def _to_the_agreements_network(version: AgreementVersion, extra: Extra) -> Iterable[Member]:
    return _members(version.agreement.network_id)


# --- concerns ---------------------------------------------------------------------------------


def _concern(concern_id: int) -> Concern | None:
    return (
        Concern.objects.filter(pk=concern_id)
        .select_related("about__user", "about__network")
        .first()
    )


def _concern_voting(concern_id: int) -> Concern | None:
    return Concern.objects.filter(pk=concern_id, status=Concern.Status.VOTING).first()


def _concern_decided(concern_id: int) -> Concern | None:
    return (
        Concern.objects.filter(pk=concern_id, status=Concern.Status.DECIDED)
        .select_related("about__user", "about__network")
        .first()
    )


def _concern_path(concern: Concern) -> str:
    slug = Network.objects.filter(pk=concern.network_id).values_list("slug", flat=True).get()
    return reverse("governance:concern_detail", kwargs={"slug": slug, "concern_id": concern.pk})


def _decided_path(concern: Concern) -> str:
    """A member removed by the decision can no longer open the page."""
    return _concern_path(concern) if concern.outcome != Concern.Outcome.REMOVE else ""


def _to_the_affected_member(concern: Concern, extra: Extra) -> Iterable[Recipient | None]:
    if concern.about is not None:
        return [concern.about]
    # Removed by this very decision: the membership is gone, the person is not, and they are
    # the one who most needs to hear it (the decision passes their account's id, never an
    # address).
    user_id = extra.get("removed_user")
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return []
    languages = extra.get("languages")
    return [
        Outsider(
            pk=user.pk,
            user=user,
            network=concern.network,
            languages=list(languages) if isinstance(languages, list) else None,
        )
    ]


def _to_the_network_but_the_affected(concern: Concern, extra: Extra) -> Iterable[Member]:
    return [m for m in _members(concern.network_id) if m.pk != concern.about_id]


def _to_the_affected_while_a_member(concern: Concern, extra: Extra) -> Iterable[Member]:
    return [m for m in _members(concern.network_id) if m.pk == concern.about_id]


def _deadline(concern: Concern, extra: Extra) -> dict[str, object]:
    return {"deadline": concern.answer_deadline.strftime(UTC_MINUTE)}


def _outcome(concern: Concern, extra: Extra) -> dict[str, object]:
    return {"outcome": Concern.Outcome(concern.outcome).label}


notice_kinds(
    NoticeKind(
        name="proposal.opened",
        load=_proposal,
        to=_to_all_but_the_author,
        subject=_("New proposal: %(title)s"),
        body=_("A proposal is open for your vote until %(deadline)s."),
        params=_title_and_deadline,
    ),
    NoticeKind(
        name="proposal.closing",
        load=_proposal_open,
        to=_to_who_has_not_voted,
        subject=_("Closing soon: %(title)s"),
        body=_("Voting on this proposal closes at %(deadline)s, and you have not voted yet."),
        params=_title_and_deadline,
    ),
    *(
        NoticeKind(
            name=f"proposal.outcome.{status}",
            load=_proposal,
            to=_to_every_member,
            subject=_("Outcome: %(title)s"),
            body=body,
            params=_title_and_error,
        )
        for status, body in OUTCOME_BODIES.items()
    ),
    NoticeKind(
        name="role.term_ending",
        load=_holding_ending,
        to=_to_holder,
        subject=_("Your term as %(role)s ends soon"),
        body=_(
            "Your term as %(role)s ends on %(date)s. If the network wants you to go on, any "
            "member can open a proposal to renew it; otherwise the role passes on."
        ),
        params=_role_and_date,
        path=_renewal_path,
    ),
    NoticeKind(
        name="agreement.review_due",
        load=_version_for_review,
        to=_to_the_agreements_network,
        subject=_("Agreement due for review: %(title)s"),
        body=_("The agreement “%(title)s” is due for review on %(date)s."),
        params=_agreement_title_and_date,
    ),
    # Only the affected member is told; never who raised it, never the words by email.
    NoticeKind(
        name="concern.raised",
        load=_concern,
        to=_to_the_affected_member,
        subject=_("A concern was raised about you"),
        body=_(
            "A member raised a concern about your conduct. You can read it and answer until "
            "%(deadline)s; then the network votes."
        ),
        params=_deadline,
        path=_concern_path,
    ),
    NoticeKind(
        name="concern.vote_opened",
        load=_concern_voting,
        to=_to_the_network_but_the_affected,
        subject=_("A vote on a concern is open"),
        body=_("The network is voting on a concern about a member's conduct."),
        path=_concern_path,
    ),
    NoticeKind(
        name="concern.vote_opened_about_you",
        load=_concern_voting,
        to=_to_the_affected_while_a_member,
        subject=_("A vote on a concern is open"),
        body=_("The network is voting on the concern about you. You can follow each step."),
        path=_concern_path,
        mandatory=True,
    ),
    NoticeKind(
        name="concern.decided",
        load=_concern_decided,
        to=_to_the_affected_member,
        subject=_("The concern about you was decided"),
        body=_("The network decided: %(outcome)s."),
        params=_outcome,
        path=_decided_path,
        mandatory=True,
    ),
)
