"""Governance upkeep and notifications. Tasks only call services and send email."""

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member
from mutualaid.governance.models import AgreementVersion, Proposal
from mutualaid.governance.services import (
    agreement_reviews_remind,
    founder_powers_sweep,
    proposals_close_due,
    proposals_remind_closing,
    roles_expire_terms,
    roles_remind_terms_ending,
)
from mutualaid.networks.models import Member, Network

if TYPE_CHECKING:
    from mutualaid.governance.models import Concern


@db_periodic_task(crontab(hour="4", minute="23"))
def governance_daily_sweeps() -> None:
    now = timezone.now()
    roles_expire_terms(now=now)
    roles_remind_terms_ending(now=now)
    founder_powers_sweep(now=now)
    agreement_reviews_remind(today=now.date())


@db_periodic_task(crontab(minute="*/5"))
def governance_close_due_proposals() -> None:
    now = timezone.now()
    proposals_close_due(now=now)
    proposals_remind_closing(now=now)


def _members(network_id: int) -> list[Member]:
    return list(Member.objects.filter(network_id=network_id).select_related("user", "network"))


@db_task(retries=3, retry_delay=60)
def notify_proposal_opened(proposal_id: int) -> None:
    proposal = Proposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        return
    for member in _members(proposal.network_id):
        if member.pk == proposal.author_id:
            continue
        email_member(
            member,
            subject=_("New proposal: %(title)s"),
            body=_("A proposal is open for your vote until %(deadline)s."),
            params={
                "title": proposal.title,
                "deadline": proposal.deadline.strftime("%Y-%m-%d %H:%M UTC"),
            },
        )


@db_task(retries=3, retry_delay=60)
def notify_proposal_closing(proposal_id: int) -> None:
    """Only members who have not voted yet are reminded."""
    proposal = Proposal.objects.filter(pk=proposal_id, status=Proposal.Status.OPEN).first()
    if proposal is None:
        return
    voted = set(proposal.votes.values_list("voter_id", flat=True))
    for member in _members(proposal.network_id):
        if member.pk in voted:
            continue
        email_member(
            member,
            subject=_("Closing soon: %(title)s"),
            body=_("Voting on this proposal closes at %(deadline)s, and you have not voted yet."),
            params={
                "title": proposal.title,
                "deadline": proposal.deadline.strftime("%Y-%m-%d %H:%M UTC"),
            },
        )


OUTCOME_BODIES = {
    Proposal.Status.PASSED: _("The proposal passed."),
    Proposal.Status.REJECTED: _("The proposal did not pass."),
    Proposal.Status.UNDECIDED: _("The proposal was not decided (no quorum, a tie or no votes)."),
    Proposal.Status.APPLY_FAILED: _(
        "The proposal passed, but what it decided could not be done: %(error)s"
    ),
}


@db_task(retries=3, retry_delay=60)
def notify_proposal_outcome(proposal_id: int) -> None:
    proposal = Proposal.objects.filter(pk=proposal_id).first()
    if proposal is None or proposal.status not in OUTCOME_BODIES:
        return
    for member in _members(proposal.network_id):
        email_member(
            member,
            subject=_("Outcome: %(title)s"),
            body=OUTCOME_BODIES[Proposal.Status(proposal.status)],
            params={"title": proposal.title, "error": proposal.apply_error},
        )


@db_task(retries=3, retry_delay=60)
def notify_role_term_ending(holding_id: int) -> None:
    from mutualaid.governance.models import RoleHolding

    holding = (
        RoleHolding.objects.select_related("role", "member__user", "member__network")
        .filter(pk=holding_id, lapsed_at__isnull=True)
        .first()
    )
    if holding is None or holding.expires_at is None:
        return
    network = holding.member.network
    email_member(
        holding.member,
        subject=_("Your term as %(role)s ends soon"),
        body=_(
            "Your term as %(role)s ends on %(date)s. If the network wants you to go on, any "
            "member can open a proposal to renew it; otherwise the role passes on."
        ),
        params={"role": holding.role.name, "date": holding.expires_at.strftime("%Y-%m-%d")},
        path=reverse("governance:proposal_create", kwargs={"slug": network.slug}),
    )


@db_task(retries=3, retry_delay=60)
def notify_agreement_review(version_id: int) -> None:
    version = AgreementVersion.objects.select_related("agreement").filter(pk=version_id).first()
    if version is None or version.review_on is None:
        return
    for member in _members(version.agreement.network_id):
        email_member(
            member,
            subject=_("Agreement due for review: %(title)s"),
            body=_("The agreement “%(title)s” is due for review on %(date)s."),
            params={"title": version.agreement.title, "date": version.review_on.isoformat()},
        )


# --- conflict resolution ----------------------------------------------------------------------


@db_periodic_task(crontab(minute="*/5"))
def governance_conflict_sweep() -> None:
    """Open votes whose answer window passed; close concern rounds that are due."""
    from mutualaid.governance.conflict import concerns_sweep

    concerns_sweep(now=timezone.now())


def _concern_path(concern: "Concern") -> str:
    slug = Network.objects.filter(pk=concern.network_id).values_list("slug", flat=True).get()
    return reverse("governance:concern_detail", kwargs={"slug": slug, "concern_id": concern.pk})


@db_task(retries=3, retry_delay=60)
def notify_concern_raised(concern_id: int) -> None:
    """Only the affected member is told; never who raised it, never the words by email."""
    from mutualaid.governance.models import Concern

    concern = Concern.objects.filter(pk=concern_id).select_related("about__user").first()
    if concern is None or concern.about is None:
        return
    email_member(
        concern.about,
        subject=_("A concern was raised about you"),
        body=_(
            "A member raised a concern about your conduct. You can read it and answer until "
            "%(deadline)s; then the network votes."
        ),
        params={"deadline": concern.answer_deadline.strftime("%Y-%m-%d %H:%M UTC")},
        path=_concern_path(concern),
    )


@db_task(retries=3, retry_delay=60)
def notify_concern_vote_opened(concern_id: int) -> None:
    from mutualaid.governance.models import Concern

    concern = Concern.objects.filter(pk=concern_id, status=Concern.Status.VOTING).first()
    if concern is None:
        return
    for member in _members(concern.network_id):
        email_member(
            member,
            subject=_("A vote on a concern is open"),
            body=_("The network is voting on a concern about a member's conduct.")
            if member.pk != concern.about_id
            else _("The network is voting on the concern about you. You can follow each step."),
            path=_concern_path(concern),
        )


@db_task(retries=3, retry_delay=60)
def notify_concern_decided(concern_id: int) -> None:
    from mutualaid.governance.models import Concern

    concern = Concern.objects.filter(pk=concern_id, status=Concern.Status.DECIDED).first()
    if concern is None or concern.about_id is None:
        return
    about = Member.objects.filter(pk=concern.about_id).select_related("user", "network").first()
    if about is None:
        return
    email_member(
        about,
        subject=_("The concern about you was decided"),
        body=_("The network decided: %(outcome)s."),
        params={"outcome": Concern.Outcome(concern.outcome).label},
        path=_concern_path(concern) if concern.outcome != Concern.Outcome.REMOVE else "",
    )
