"""The conversation page: its two sides read and write there, without JavaScript and with
htmx; anyone else gets a 404; an ended conversation shows that it ended and no form."""

import pytest
from django.urls import reverse

from mutualaid.governance.models import Concern
from mutualaid.needs import services as needs
from mutualaid.relay.models import RelayMessage
from mutualaid.relay.services import relay_post
from tests.conftest import client_for


def url(thread):
    return reverse(
        "relay:conversation", kwargs={"slug": thread.network.slug, "match_id": thread.match_id}
    )


def report_url(thread, message):
    return reverse(
        "relay:message_report", kwargs={"slug": thread.network.slug, "message_id": message.pk}
    )


def test_the_requester_reads_and_writes_without_javascript(thread, requester, helper):
    # given a message from the helper
    relay_post(member=helper, thread=thread, text="I'm outside")
    client = client_for(requester)
    # when the requester opens the page
    page = client.get(url(thread))
    # then they see the message and a form, and not the helper's contact details
    assert page.status_code == 200
    html = page.content.decode()
    assert "Conversation with Hugo" in html
    assert "I&#x27;m outside" in html
    assert 'name="text"' in html
    assert helper.user.email not in html
    # when they answer with a plain form post
    answer = client.post(url(thread), {"text": "Coming down"})
    # then it is passed on and they are back on the page
    assert answer.status_code == 302
    # (bodies are encrypted: compared after reading, not in the query)
    assert [m.body for m in RelayMessage.objects.filter(sender=requester)] == ["Coming down"]


def test_with_htmx_a_post_swaps_the_conversation(thread, helper):
    client = client_for(helper)
    page = client.post(url(thread), {"text": "Ten minutes"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.lstrip().startswith('<section id="conversation"')
    assert "Ten minutes" in html
    assert "<html" not in html


def test_an_empty_message_stays_on_the_form(thread, helper):
    page = client_for(helper).post(url(thread), {"text": ""})
    assert page.status_code == 400
    assert not RelayMessage.objects.exists()


def test_others_never_see_it(thread, bystander, outsider):
    # a member of the network gets the same 404 as for a match that does not exist
    client = client_for(bystander)
    assert client.get(url(thread)).status_code == 404
    assert client.post(url(thread), {"text": "hi"}).status_code == 404
    # another network's member is sent to the network's public page, as everywhere
    client = client_for(outsider)
    assert client.get(url(thread)).status_code == 302
    assert client.post(url(thread), {"text": "hi"}).status_code == 302
    assert not RelayMessage.objects.exists()


def test_an_ended_conversation_shows_it_ended_and_no_form(thread, requester, helper):
    # given messages, then the match was cancelled
    relay_post(member=helper, thread=thread, text="see you")
    needs.match_cancel(actor=requester, match=thread.match)
    client = client_for(helper)
    # when the helper opens the page
    html = client.get(url(thread)).content.decode()
    # then the messages are there, the ended notice too, and no form
    assert "see you" in html
    assert "This conversation has ended" in html
    assert 'name="text"' not in html
    # and a post anyway is refused with the polite words
    refused = client.post(url(thread), {"text": "hello?"})
    assert refused.status_code == 409
    assert "This conversation has ended" in refused.content.decode()
    assert RelayMessage.objects.count() == 1


def test_the_need_page_links_the_conversation_for_its_two_sides(thread, requester, helper):
    need_url = reverse(
        "needs:need_detail", kwargs={"slug": thread.network.slug, "need_id": thread.match.need_id}
    )
    for member in (requester, helper):
        assert url(thread) in client_for(member).get(need_url).content.decode()


def test_the_page_is_in_spanish_for_a_spanish_reader(thread, requester):
    client = client_for(requester)
    html = client.get(url(thread), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Conversación con Hugo" in html
    assert "Enviar" in html


def test_report_a_message_from_the_other_side(thread, requester, helper):
    # given a message from the helper
    message = relay_post(member=helper, thread=thread, text="rude words")
    client = client_for(requester)
    # then the page offers to report it, but not the requester's own messages
    mine = relay_post(member=requester, thread=thread, text="polite words")
    html = client.get(url(thread)).content.decode()
    assert report_url(thread, message) in html
    assert report_url(thread, mine) not in html
    # when the requester reports it
    answer = client.post(report_url(thread, message), {"reason": "That was rude."}, follow=True)
    # then a concern about the helper exists and the page thanks them
    assert Concern.objects.get().about_id == helper.pk
    assert "facilitators" in answer.content.decode()


@pytest.mark.parametrize(("who", "status"), [("bystander", 404), ("outsider", 302)])
def test_others_cannot_report(thread, helper, request, who, status):
    message = relay_post(member=helper, thread=thread, text="hi")
    client = client_for(request.getfixturevalue(who))
    assert client.post(report_url(thread, message), {"reason": "x"}).status_code == status
    assert not Concern.objects.exists()
    assert not RelayMessage.objects.get().reported
