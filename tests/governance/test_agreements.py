"""Agreements: the network's living rules, in versions, with a review date members are
reminded of."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from mutualaid.core.errors import Conflict, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.governance.models import AgreementVersion, Proposal
from mutualaid.governance.selectors import agreements_current
from mutualaid.governance.services.agreements import agreement_create, agreement_reviews_remind
from mutualaid.governance.services.proposals import proposal_close, proposal_open, proposal_vote
from mutualaid.networks.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)


@pytest.fixture
def founder(network):
    return MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)


def renew_by_proposal(author, voter, *, text, review_on):
    params = {"agreement": "conduct", "title": "Code of conduct", "text": text}
    proposal = proposal_open(
        actor=author,
        title="Renew the code of conduct",
        body="",
        method="consent",
        deadline=timezone.now() + timedelta(days=1),
        action={"type": "agreement_adopt", "params": {**params, "review_on": review_on}},
    )
    proposal_vote(actor=voter, proposal=proposal, choice="consent")
    return proposal_close(proposal=proposal, now=proposal.deadline)


def test_a_member_who_may_manage_writes_the_first_version(founder):
    version = agreement_create(
        actor=founder, slug="conduct", title="Code of conduct", text="Be kind.", review_on=None
    )
    assert version.number == 1
    assert HistoryEntry.objects.get(action="agreement.adopt").actor == founder


def test_a_member_without_the_power_cannot_write_an_agreement(requester):
    with pytest.raises(PermissionDenied):
        agreement_create(actor=requester, slug="conduct", title="C", text="x", review_on=None)


def test_later_versions_come_from_decisions(founder):
    agreement_create(actor=founder, slug="conduct", title="C", text="x", review_on=None)
    with pytest.raises(Conflict, match="propose a new version"):
        agreement_create(actor=founder, slug="conduct", title="C", text="y", review_on=None)


def test_renewal_is_a_new_version_with_the_same_text_and_a_new_review_date(founder, requester):
    # given version 1 of the code of conduct
    agreement_create(
        actor=founder, slug="conduct", title="Code of conduct", text="Be kind.", review_on=TODAY
    )
    # when a proposal to renew it passes
    proposal = renew_by_proposal(founder, requester, text="Be kind.", review_on="2027-11-24")
    # then version 2 has the same text, the new review date and points to the decision
    assert proposal.status == Proposal.Status.PASSED
    [current] = agreements_current(founder.network)
    assert (current.number, current.text) == (2, "Be kind.")
    assert current.review_on == date(2027, 11, 24)
    assert current.adopted_by_proposal == proposal


def test_members_are_reminded_once_when_a_review_is_within_two_weeks(
    founder, requester, django_capture_on_commit_callbacks
):
    # given one agreement due in ten days and one due in a month
    agreement_create(
        actor=founder, slug="conduct", title="Conduct", text="x", review_on=TODAY + timedelta(10)
    )
    agreement_create(
        actor=founder, slug="pantry", title="Pantry", text="y", review_on=TODAY + timedelta(30)
    )
    mail.outbox.clear()
    # when the reminder runs twice
    with django_capture_on_commit_callbacks(execute=True):
        first = agreement_reviews_remind(today=TODAY)
    second = agreement_reviews_remind(today=TODAY)
    # then each member was emailed once about the one that is due, and it is on record
    assert (first, second) == (1, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [founder.user.email, requester.user.email]
    )
    assert all("Conduct" in m.subject for m in mail.outbox)
    assert AgreementVersion.objects.get(agreement__slug="conduct").review_reminded_at
    assert HistoryEntry.objects.filter(action="agreement.review_reminded").count() == 1


def test_a_replaced_version_is_not_reminded(founder, requester):
    agreement_create(
        actor=founder, slug="conduct", title="Conduct", text="x", review_on=TODAY + timedelta(3)
    )
    renew_by_proposal(founder, requester, text="x", review_on="2027-11-24")
    assert agreement_reviews_remind(today=TODAY) == 0
