"""The conflict process through its pages and its API: raising a concern, the affected member
reading and answering it, members voting within the time box, and the outcome; who may see
what (the raiser hidden by default, who voted how never), and bad input refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mutualaid.governance.models import Concern, ConcernVote, ConflictPolicy
from mutualaid.governance.selectors import concern_current_round
from mutualaid.governance.services.concern_start import concern_raise
from mutualaid.governance.services.concerns import (
    concern_close_round,
    concern_open_vote,
    concern_vote,
)
from tests.api.conftest import ApiClient, api_client_for, assert_error
from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TEXT = "Took the pantry keys home twice without telling anyone."
ANSWER = "I was covering the Saturday shift; I should have said so."


def url(name, network, **kwargs):
    return reverse(f"governance:{name}", kwargs={"slug": network.slug, **kwargs})


@pytest.fixture
def cast(network):
    """A raiser, the member it is about, and three voters."""
    raiser, about, *voters = (
        MemberFactory(network=network, display_name=name)
        for name in ["Rita", "Abel", "Vera", "Walt", "Xena"]
    )
    return raiser, about, voters


def close_now(concern):
    round_ = concern_current_round(concern)
    return concern_close_round(concern=concern, now=round_.deadline + timedelta(seconds=1))


# --- pages ------------------------------------------------------------------------------------


def test_the_whole_process_through_the_pages(network, cast):
    raiser, about, voters = cast
    # when a member raises a concern on the page
    response = client_for(raiser).post(
        url("concern_create", network), {"about": about.pk, "text": TEXT}
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.raised_by == raiser
    # then the affected member sees it, without the raiser's name, and answers
    page = client_for(about).get(url("concern_detail", network, concern_id=concern.pk))
    body = page.content.decode()
    assert TEXT in body
    assert "Rita" not in body
    assert "Who raised it is not shown." in body
    response = client_for(about).post(
        url("concern_answer", network, concern_id=concern.pk), {"text": ANSWER}
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.VOTING
    # and members read both and vote within the time box
    for voter, choice in zip(voters, ["talk", "talk", "no_change"], strict=True):
        page = client_for(voter).get(url("concern_detail", network, concern_id=concern.pk))
        assert ANSWER in page.content.decode()
        response = client_for(voter).post(
            url("concern_vote", network, concern_id=concern.pk), {"choice": choice}
        )
        assert response.status_code == 302
    assert ConcernVote.objects.count() == 3
    close_now(concern)
    # then the outcome and the round's count are on the page, but no voter's name
    body = client_for(about).get(url("concern_detail", network, concern_id=concern.pk)).content
    body = body.decode()
    assert "Talk more" in body
    assert "talk more" in body.lower()
    for voter in voters:
        assert voter.display_name not in body
    assert "Rita" not in body


def test_members_see_a_concern_only_once_its_vote_opened(network, cast):
    raiser, about, voters = cast
    concern = concern_raise(actor=raiser, about=about, text=TEXT)
    detail = url("concern_detail", network, concern_id=concern.pk)
    # while it waits for an answer, only the raiser and the affected member see it
    assert client_for(voters[0]).get(detail).status_code == 404
    assert TEXT not in client_for(voters[0]).get(url("concerns", network)).content.decode()
    assert client_for(raiser).get(detail).status_code == 200
    assert client_for(about).get(detail).status_code == 200
    # once the vote is open, every member does
    concern_open_vote(actor=about, concern=concern)
    assert client_for(voters[0]).get(detail).status_code == 200
    # and another network's member never does
    assert client_for(MemberFactory()).get(detail).status_code in {302, 404}


def test_the_affected_member_may_open_the_vote_without_answering(network, cast):
    raiser, about, voters = cast
    concern = concern_raise(actor=raiser, about=about, text=TEXT)
    # a voter may not
    response = client_for(raiser).post(url("concern_open_vote", network, concern_id=concern.pk))
    assert response.status_code == 403
    response = client_for(about).post(url("concern_open_vote", network, concern_id=concern.pk))
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.VOTING


def test_bad_input_on_the_pages_is_refused_with_nothing_written(network, cast):
    raiser, about, voters = cast
    response = client_for(raiser).post(url("concern_create", network), {"about": about.pk})
    assert response.status_code == 400
    response = client_for(raiser).post(
        url("concern_create", network), {"about": raiser.pk, "text": TEXT}
    )
    assert response.status_code == 400  # yourself is not a choice
    assert not Concern.objects.exists()
    concern = concern_raise(actor=raiser, about=about, text=TEXT)
    concern_open_vote(actor=about, concern=concern)
    vote = url("concern_vote", network, concern_id=concern.pk)
    assert client_for(voters[0]).post(vote, {"choice": "banish"}).status_code == 400
    assert client_for(about).post(vote, {"choice": "no_change"}).status_code == 403
    client_for(voters[0]).post(vote, {"choice": "talk"})
    twice = client_for(voters[0]).post(vote, {"choice": "remove"})
    assert twice.status_code == 409
    assert "already voted" in twice.content.decode()
    assert ConcernVote.objects.count() == 1


def test_the_people_page_offers_to_raise_a_concern(network, cast):
    raiser, about, _voters = cast
    body = client_for(raiser).get(url("people", network)).content.decode()
    assert url("concern_create", network) + f"?about={about.pk}" in body


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/governance/concerns"),
        ("post", "/governance/concerns"),
        ("get", "/governance/concerns/1"),
        ("post", "/governance/concerns/1/answer"),
        ("post", "/governance/concerns/1/open-vote"),
        ("post", "/governance/concerns/1/votes"),
    ],
)
def test_every_concern_operation_needs_a_token(db, method, path):
    assert_error(getattr(ApiClient(None), method)(path), 401, "unauthorized")


def test_the_whole_process_through_the_api(network, cast):
    raiser, about, voters = cast
    raised = api_client_for(raiser).post(
        "/governance/concerns", {"about_member_id": about.pk, "text": TEXT}
    )
    assert raised.status_code == 201, raised.content
    concern_id = raised.json()["id"]
    about_api = api_client_for(about)
    seen = about_api.get(f"/governance/concerns/{concern_id}").json()
    assert seen["text"] == TEXT
    assert seen["raised_by_name"] == ""
    assert seen["can_answer"] is True
    answered = about_api.post(f"/governance/concerns/{concern_id}/answer", {"text": ANSWER})
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "voting"
    for voter, choice in zip(voters, ["remove", "talk", "talk"], strict=True):
        response = api_client_for(voter).post(
            f"/governance/concerns/{concern_id}/votes", {"choice": choice}
        )
        assert response.status_code == 201, response.content
        assert response.json()["voted_in_current_round"] is True
    close_now(Concern.objects.get(pk=concern_id))
    final = about_api.get(f"/governance/concerns/{concern_id}").json()
    assert final["outcome"] == "talk"
    assert final["rounds"][0]["tally"] == {"talk": 2, "no_change": 0, "remove": 1}
    names = {step["actor_name"] for step in final["steps"]}
    assert not names & {raiser.display_name, *(v.display_name for v in voters)}
    assert "concern.vote" not in {step["action"] for step in final["steps"]}


def test_raising_through_the_api_is_safe_to_retry(network, cast):
    raiser, about, _voters = cast
    client = api_client_for(raiser)
    headers = {"Idempotency-Key": "raise-1"}
    body = {"about_member_id": about.pk, "text": TEXT}
    first = client.post("/governance/concerns", body, headers=headers)
    again = client.post("/governance/concerns", body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Concern.objects.count() == 1


def test_a_network_that_shows_raisers_names_them(network, cast):
    ConflictPolicy.objects.create(network=network, show_raiser=True)
    raiser, about, _voters = cast
    concern = concern_raise(actor=raiser, about=about, text=TEXT)
    seen = api_client_for(about).get(f"/governance/concerns/{concern.pk}").json()
    assert seen["raised_by_name"] == raiser.display_name


def test_bad_input_through_the_api_is_refused_in_the_error_shape(network, cast, outsider):
    raiser, about, voters = cast
    client = api_client_for(raiser)
    assert_error(client.post("/governance/concerns", {"about_member_id": about.pk}), 422)
    assert_error(
        client.post("/governance/concerns", {"about_member_id": raiser.pk, "text": TEXT}), 400
    )
    assert_error(
        client.post("/governance/concerns", {"about_member_id": outsider.pk, "text": TEXT}), 404
    )
    assert not Concern.objects.exists()
    concern = concern_raise(actor=raiser, about=about, text=TEXT)
    # not open for voting yet; and invisible to voters while waiting for an answer
    assert_error(client.post(f"/governance/concerns/{concern.pk}/votes", {"choice": "talk"}), 409)
    assert_error(api_client_for(voters[0]).get(f"/governance/concerns/{concern.pk}"), 404)
    assert_error(api_client_for(outsider).get(f"/governance/concerns/{concern.pk}"), 404)
    concern_open_vote(actor=about, concern=concern)
    voter = api_client_for(voters[0])
    assert_error(voter.post(f"/governance/concerns/{concern.pk}/votes", {"choice": "ban"}), 422)
    concern_vote(actor=voters[0], concern=concern, choice="talk")
    assert_error(voter.post(f"/governance/concerns/{concern.pk}/votes", {"choice": "talk"}), 409)
    # after the deadline
    concern.rounds.update(
        opens_at=timezone.now() - timedelta(days=2), deadline=timezone.now() - timedelta(days=1)
    )
    late = api_client_for(voters[1])
    assert_error(late.post(f"/governance/concerns/{concern.pk}/votes", {"choice": "talk"}), 409)
