"""The core loop as people live it, in headless Chromium, with axe-core on every page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from mutualaid.networks.models import Member
from tests.browser.people import PASSWORD, fruitvale_network, member_in, sign_in

ADDRESS = "742 Evergreen Terrace, Apt 2"
PHONE = "+1 510 555 0142"

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_newcomer_asks_for_help_and_a_neighbour_helps(live_server, new_page, axe_check):
    # Given a network with two members already in it,
    network = fruitvale_network()
    member_in(network, "hugo@example.org", "Hugo")
    member_in(network, "bea@example.org", "Bea")
    base = live_server.url
    invite = f"{base}/n/{network.slug}/join/{network.invite_code}/"

    # When a new person opens the invitation link, signs up and confirms their email,
    rosa = new_page()
    rosa.set_default_timeout(10_000)
    rosa.goto(invite)
    axe_check(rosa)
    with rosa.expect_navigation():
        rosa.get_by_role("link", name=re.compile("create an account", re.I)).first.click()
    axe_check(rosa)
    rosa.locator("#id_email").fill("rosa@example.org")
    rosa.locator("#id_password1").fill(PASSWORD)
    rosa.locator("#id_password2").fill(PASSWORD)
    with rosa.expect_navigation():
        rosa.get_by_role("button", name="Sign Up").click()
    axe_check(rosa)
    confirm_link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body)
    assert confirm_link, mail.outbox[-1].body
    rosa.goto(confirm_link.group(0).replace("http://testserver", base))
    axe_check(rosa)
    with rosa.expect_navigation():
        rosa.get_by_role("button", name="Confirm").click()

    # and joins with a display name,
    rosa.goto(invite)
    axe_check(rosa)
    rosa.get_by_label("Your name in this network").fill("Rosa")
    with rosa.expect_navigation():
        rosa.get_by_role("button", name="Join").click()
    axe_check(rosa)
    assert Member.objects.filter(network=network, display_name="Rosa").exists()

    # and posts a need with her address,
    rosa.goto(f"{base}/n/{network.slug}/needs/new/")
    axe_check(rosa)
    rosa.get_by_label("Category").select_option(label="Groceries")
    rosa.get_by_label("What do you need?").fill("Groceries for my family this week")
    rosa.get_by_label("Exact address (optional)").fill(ADDRESS)
    rosa.get_by_label("Phone (optional)").fill(PHONE)
    with rosa.expect_navigation():
        rosa.get_by_role("button", name="Post my need").click()
    axe_check(rosa)
    need_url = rosa.url
    assert re.search(r"/needs/\d+/$", need_url), need_url

    # then a second member finds it and offers to help, without seeing the address yet,
    hugo = new_page()
    hugo.set_default_timeout(10_000)
    sign_in(hugo, base, "hugo@example.org", axe_check)
    hugo.goto(f"{base}/n/{network.slug}/needs/")
    axe_check(hugo)
    card = hugo.locator(".need-card", has_text="Groceries for my family")
    with hugo.expect_navigation():
        card.get_by_role("link", name="Groceries", exact=True).click()
    axe_check(hugo)
    assert ADDRESS not in hugo.content()
    hugo.locator("#offer-help").get_by_role("button", name="Offer to help").click()
    expect(hugo.get_by_role("heading", name="Your offer to help")).to_be_visible()
    axe_check(hugo)
    assert ADDRESS not in hugo.content()

    # and Rosa accepts the offer,
    rosa.goto(need_url)
    axe_check(rosa)
    # (match steps are htmx swaps, not page loads: wait for the card to show the new state)
    rosa.get_by_role("button", name="Accept this offer").click()
    expect(rosa.locator(".match-card .state")).to_contain_text("accepted")
    axe_check(rosa)

    # so Hugo now sees the address and phone,
    hugo.goto(need_url)
    axe_check(hugo)
    assert ADDRESS in hugo.content()
    assert PHONE in hugo.content()

    # and a third member never does,
    bea = new_page()
    sign_in(bea, base, "bea@example.org", axe_check)
    bea.goto(need_url)
    axe_check(bea)
    assert ADDRESS not in bea.content()
    assert PHONE not in bea.content()

    # and when both confirm, the need is done.
    hugo.get_by_role("button", name="Mark as started").click()
    expect(hugo.locator(".match-card .state")).to_contain_text("in progress")
    hugo.goto(need_url)
    hugo.get_by_role("button", name="Confirm it is done").click()
    expect(hugo.get_by_text("Waiting for the other person to confirm")).to_be_visible()
    rosa.goto(need_url)
    expect(rosa.get_by_text("The other person confirmed that it is done")).to_be_visible()
    rosa.get_by_role("button", name="Confirm it is done").click()
    expect(rosa.locator(".match-card .state")).to_contain_text("done")
    rosa.goto(need_url)
    axe_check(rosa)
    assert re.search(r"\bdone\b", rosa.content(), re.I)
    from mutualaid.needs.models import Need

    assert Need.objects.get(requester__display_name="Rosa").status == Need.Status.DONE
    # After the help is done, the address is gone from the helper's view too.
    hugo.goto(need_url)
    assert ADDRESS not in hugo.content()
    assert len(axe_check.checked) >= 15
