"""A peer-support circle as people use it, in headless Chromium, with axe-core on every page."""

import pytest
from playwright.sync_api import expect

from mutualaid.care import services as care
from mutualaid.care.models import CircleMembership
from tests.browser.people import fruitvale_network, member_in, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

POST = "Some days the grief comes back all at once."


def test_a_member_joins_a_circle_agrees_and_shares_under_a_pseudonym(
    live_server, new_page, axe_check
):
    # Given a network with a grief circle that Nia facilitates,
    network = fruitvale_network()
    nia = member_in(network, "nia@example.org", "Nia")
    circle = care.circle_create(
        actor=nia,
        name="Grief circle",
        agreement="What is shared here stays here.",
    )
    # and Dev, who asked to join and was welcomed,
    dev = member_in(network, "dev@example.org", "Dev")
    care.membership_accept(actor=nia, membership=care.membership_request(actor=dev, circle=circle))
    base = live_server.url
    circle_url = f"{base}/n/{network.slug}/circles/{circle.pk}/"

    # when Dev opens the circle, he must accept its agreement before he can share,
    page = new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "dev@example.org", axe_check)
    page.goto(circle_url)
    axe_check(page)
    expect(page.get_by_label("What you want to share")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name="I accept this agreement").click()
    axe_check(page)

    # then he shares with a content note,
    page.get_by_label("Content note (optional)").fill("mentions loss")
    page.get_by_label("What you want to share").fill(POST)
    with page.expect_navigation():
        page.get_by_role("button", name="Post", exact=True).click()
    axe_check(page)

    # and Nia, the facilitator, sees the note first and the post behind it, under a pseudonym,
    reader = new_page()
    reader.set_default_timeout(10_000)
    sign_in(reader, base, "nia@example.org", axe_check)
    reader.goto(circle_url)
    axe_check(reader)
    post = reader.locator("article.post", has_text="mentions loss")
    expect(post.get_by_text(POST)).not_to_be_visible()
    post.locator("summary", has_text="mentions loss").click()
    expect(post.get_by_text(POST)).to_be_visible()
    assert "Dev" not in post.inner_text()
    pseudonym = CircleMembership.objects.get(member=dev).pseudonym
    assert pseudonym in post.inner_text()

    # and the danger link is one tap away on every page.
    expect(reader.get_by_role("link", name="If you are in danger")).to_be_visible()
    assert len(axe_check.checked) >= 6


def test_a_facilitator_invites_welcomes_pauses_and_changes_the_settings(
    live_server, new_page, axe_check
):
    # Given Nia's circle of one, and Dev, a member of the network outside it,
    network = fruitvale_network()
    nia = member_in(network, "nia@example.org", "Nia")
    circle = care.circle_create(actor=nia, name="Grief circle", agreement="Stays here.")
    member_in(network, "dev@example.org", "Dev")
    base = live_server.url
    circle_url = f"{base}/n/{network.slug}/circles/{circle.pk}/"
    page = new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "nia@example.org", axe_check)

    # when Nia opens it, the post form says honestly that a small circle can guess,
    page.goto(circle_url)
    axe_check(page)
    expect(page.get_by_text("others may be able to guess who wrote a post")).to_be_visible()

    # she invites Dev by name and welcomes him,
    page.get_by_label("Who to invite").select_option(label="Dev")
    with page.expect_navigation():
        page.get_by_role("button", name="Invite", exact=True).click()
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Welcome Dev").click()
    axe_check(page)
    assert CircleMembership.objects.get(member__display_name="Dev").state == "active"

    # she pauses him with a reason,
    page.locator("summary", has_text="Pause or remove Dev").click()
    page.get_by_label("Reason for pausing").fill("Taking a rest")
    with page.expect_navigation():
        page.get_by_role("button", name="Pause", exact=True).click()
    axe_check(page)
    expect(page.get_by_role("button", name="Welcome Dev back")).to_be_visible()

    # and she changes how often the facilitator role is handed on.
    with page.expect_navigation():
        page.get_by_role("link", name="Change the circle's settings").click()
    axe_check(page)
    page.get_by_label("Facilitators hand the role on every (days)").fill("14")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    axe_check(page)
    circle.refresh_from_db()
    assert circle.rotation_days == 14

    # Then the circle log shows both acts, naming nobody.
    page.goto(circle_url + "log/")
    axe_check(page)
    log = page.locator("main").inner_text()
    assert "Taking a rest" in log
    assert "changed the circle's settings" in log
    assert "Dev" not in log
