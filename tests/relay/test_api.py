"""The conversation through the JSON API: the same rules as the page, in JSON."""

import pytest

from mutualaid.governance.models import Concern
from mutualaid.needs import services as needs
from mutualaid.relay.models import RelayMessage
from mutualaid.relay.services import relay_post
from tests.api.conftest import api_client_for, assert_error


@pytest.fixture
def requester_api(requester):
    return api_client_for(requester)


@pytest.fixture
def helper_api(helper):
    return api_client_for(helper)


def test_get_the_conversation_with_its_messages_and_actions(thread, requester_api, helper):
    # given a message from the helper
    relay_post(member=helper, thread=thread, text="I'm outside")
    # when the requester reads the conversation
    answer = requester_api.get(f"/matches/{thread.match_id}/messages")
    # then it has the code, the message and what they may do
    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == thread.code
    assert body["open"] is True
    assert body["with_name"] == "Hugo"
    assert body["actions"] == ["post"]
    [message] = body["messages"]
    assert message["body"] == "I'm outside"
    assert message["mine"] is False
    assert message["sender_name"] == "Hugo"
    assert message["actions"] == ["report"]
    assert "email" not in str(body).lower()


def test_post_a_message(thread, helper_api, requester):
    answer = helper_api.post(f"/matches/{thread.match_id}/messages", {"text": "Ten minutes"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["mine"] is True
    assert answer.json()["actions"] == []
    assert [m.body for m in RelayMessage.objects.all()] == ["Ten minutes"]


def test_a_post_after_the_match_ended_is_a_409_with_the_ended_words(thread, helper_api, requester):
    needs.match_cancel(actor=requester, match=thread.match)
    answer = helper_api.post(f"/matches/{thread.match_id}/messages", {"text": "hello?"})
    body = assert_error(answer, 409, "conflict")
    assert "This conversation has ended" in body["message"]
    assert not RelayMessage.objects.exists()
    assert helper_api.get(f"/matches/{thread.match_id}/messages").json()["actions"] == []


def test_others_get_404(thread, bystander, outsider):
    for member in (bystander, outsider):
        api = api_client_for(member)
        assert_error(api.get(f"/matches/{thread.match_id}/messages"), 404, "not_found")
        answer = api.post(f"/matches/{thread.match_id}/messages", {"text": "hi"})
        assert_error(answer, 404, "not_found")
    assert not RelayMessage.objects.exists()


def test_an_empty_message_is_invalid(thread, helper_api):
    answer = helper_api.post(f"/matches/{thread.match_id}/messages", {"text": ""})
    assert_error(answer, 422, "invalid_input")


def test_report_a_message(thread, requester_api, helper, bystander):
    message = relay_post(member=helper, thread=thread, text="rude words")
    assert_error(
        api_client_for(bystander).post(f"/messages/{message.pk}/report", {"reason": "x"}), 404
    )
    answer = requester_api.post(f"/messages/{message.pk}/report", {"reason": "That was rude."})
    assert answer.status_code == 200, answer.content
    assert answer.json()["reported"] is True
    assert answer.json()["actions"] == []
    assert Concern.objects.get().about_id == helper.pk
    again = requester_api.post(f"/messages/{message.pk}/report", {"reason": "again"})
    assert_error(again, 409, "conflict")
