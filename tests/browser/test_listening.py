"""Listeners on request as people use them, in headless Chromium, with axe-core on every page:
a member asks under a pseudonym, a listener sees the request without who asked and takes it,
the two exchange messages, and the listener keeps a note the member consented to and reads."""

import pytest
from playwright.sync_api import expect

from mutualaid.care.listening.models import ListenRequest
from mutualaid.governance.models import Role
from mutualaid.governance.services import role_grant_by_decision
from mutualaid.networks.models import Member
from tests.browser.people import ORGANISER_EMAIL, fruitvale_network, member_in, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ABOUT = "Things with my sister since the move"
ASK = "I have not been sleeping since the move."
ANSWER = "Thank you for telling me. What helps you rest, usually?"
NOTE = "Talked about sleep; check in about the move."


def test_a_member_asks_pseudonymously_a_listener_takes_it_and_keeps_a_consented_note(
    live_server, new_page, axe_check
):
    # Given a network where Lou did the listener training, and Dev, a member,
    network = fruitvale_network()
    lou_member = member_in(network, "lou@example.org", "Lou")
    member_in(network, "dev@example.org", "Dev")
    olu = Member.objects.get(network=network, user__email=ORGANISER_EMAIL)
    # the network decided Lou did the training (Olu, still the founding organiser, records it)
    role_grant_by_decision(
        role=Role.objects.get(network=network, slug="listener"), member=lou_member, actor=olu
    )
    base = live_server.url
    home = f"{base}/n/{network.slug}/care/listening/"

    # when Dev asks for a conversation under a pseudonym,
    dev = new_page()
    dev.set_default_timeout(10_000)
    sign_in(dev, base, "dev@example.org", axe_check)
    dev.goto(home)
    axe_check(dev)
    dev.get_by_label("Language you would like to talk in").select_option("en")
    dev.get_by_label("When suits you").fill("weekday evenings")
    dev.get_by_label("What it is about (optional)").fill(ABOUT)
    expect(dev.get_by_label("Use a pseudonym instead of my name")).to_be_checked()
    with dev.expect_navigation():
        dev.get_by_role("button", name="Ask for a listener").click()
    axe_check(dev)
    expect(dev.get_by_role("button", name="Withdraw my request")).to_be_visible()
    request = ListenRequest.objects.get()
    conversation_url = dev.url

    # then Lou sees it in the queue without who asked, and takes it,
    lou = new_page()
    lou.set_default_timeout(10_000)
    sign_in(lou, base, "lou@example.org", axe_check)
    lou.goto(f"{home}queue/")
    axe_check(lou)
    waiting = lou.locator("article.listen-request")
    expect(waiting).to_contain_text(ABOUT)
    assert "Dev" not in waiting.inner_text()
    assert request.pseudonym not in waiting.inner_text()
    with lou.expect_navigation():
        waiting.get_by_role("button", name="Take this request").click()
    axe_check(lou)
    expect(lou.locator("main")).to_contain_text(f"You are listening to {request.pseudonym}")
    assert "Dev" not in lou.locator("main").inner_text()

    # and they exchange messages,
    dev.goto(conversation_url)
    dev.get_by_label("Your message").fill(ASK)
    with dev.expect_navigation():
        dev.get_by_role("button", name="Send").click()
    axe_check(dev)
    lou.reload()
    expect(lou.locator("ol.thread")).to_contain_text(ASK)
    lou.get_by_label("Your message").fill(ANSWER)
    with lou.expect_navigation():
        lou.get_by_role("button", name="Send").click()
    axe_check(lou)

    # and Dev lets Lou keep notes, Lou keeps one, and Dev reads it.
    dev.reload()
    expect(dev.locator("ol.thread")).to_contain_text(ANSWER)
    with dev.expect_navigation():
        dev.get_by_role("button", name="Let the listener keep notes").click()
    axe_check(dev)
    lou.reload()
    lou.get_by_label("Note", exact=True).fill(NOTE)
    with lou.expect_navigation():
        lou.get_by_role("button", name="Keep this note").click()
    axe_check(lou)
    dev.reload()
    expect(dev.locator("li.note")).to_contain_text(NOTE)
    axe_check(dev)
    expect(dev.locator("main").get_by_role("link", name="If you are in danger")).to_be_visible()
    assert len(axe_check.checked) >= 10
