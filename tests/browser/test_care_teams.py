"""A care team as people use it, in headless Chromium, with axe-core on every page: a
recipient sets up a team, invites a neighbour who joins, adds a meal slot with an address,
the neighbour signs up and sees the address; a member outside the team never does."""

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mutualaid.care.teams.models import CareTeam, Slot
from tests.browser.people import fruitvale_network, member_in, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "7 Hidden Court, flat 2"


def _local(network, hours: float) -> str:
    zone = zoneinfo.ZoneInfo(network.timezone)
    return timezone.localtime(timezone.now() + timedelta(hours=hours), zone).strftime(
        "%Y-%m-%dT%H:%M"
    )


def test_a_recipient_sets_up_a_team_and_a_neighbour_takes_a_meal_slot(
    live_server, new_page, axe_check
):
    # Given a network with Rosa, her neighbour Nina, and Olga who is not on the team,
    network = fruitvale_network()
    member_in(network, "rosa@example.org", "Rosa")
    member_in(network, "nina@example.org", "Nina")
    member_in(network, "olga@example.org", "Olga")
    base = live_server.url
    teams_url = f"{base}/n/{network.slug}/care-teams/"

    # when Rosa sets up a care team around herself,
    rosa = new_page()
    rosa.set_default_timeout(10_000)
    sign_in(rosa, base, "rosa@example.org", axe_check)
    rosa.goto(teams_url)
    axe_check(rosa)
    with rosa.expect_navigation():
        rosa.get_by_role("link", name="Set up a care team").click()
    axe_check(rosa)
    rosa.get_by_label("Name of the team").fill("Meals for Rosa")
    rosa.get_by_label("What it is for (optional)").fill("after surgery")
    rosa.get_by_label("Me", exact=True).check()
    with rosa.expect_navigation():
        rosa.get_by_role("button", name="Set up the team").click()
    axe_check(rosa)
    expect(rosa.get_by_role("heading", name="Meals for Rosa", level=1)).to_be_visible()
    team = CareTeam.objects.get()
    team_url = f"{teams_url}{team.pk}/"

    # and invites Nina,
    rosa.get_by_label("Invite").select_option(label="Nina")
    with rosa.expect_navigation():
        rosa.get_by_role("button", name="Send the invitation").click()
    axe_check(rosa)

    # who joins from her list of teams,
    nina = new_page()
    nina.set_default_timeout(10_000)
    sign_in(nina, base, "nina@example.org", axe_check)
    nina.goto(teams_url)
    axe_check(nina)
    with nina.expect_navigation():
        nina.get_by_role("link", name="Meals for Rosa").click()
    axe_check(nina)
    with nina.expect_navigation():
        nina.get_by_role("button", name="Join the team").click()
    axe_check(nina)
    expect(nina.get_by_role("heading", name="Calendar")).to_be_visible()

    # then Rosa adds a meal slot tomorrow with an address,
    rosa.goto(team_url)
    with rosa.expect_navigation():
        rosa.get_by_role("link", name="Add a slot").click()
    axe_check(rosa)
    rosa.get_by_label("Kind of help").select_option("meal")
    rosa.get_by_label("Starts").fill(_local(network, 26))
    rosa.get_by_label("Ends").fill(_local(network, 27))
    rosa.get_by_label("Address (optional, only the team sees it)").fill(ADDRESS)
    with rosa.expect_navigation():
        rosa.get_by_role("button", name="Add the slot").click()
    axe_check(rosa)
    expect(rosa.get_by_text("needs someone")).to_be_visible()
    slot = Slot.objects.get()

    # and Nina signs up for it and sees the address on the slot's page,
    nina.goto(team_url)
    axe_check(nina)
    with nina.expect_navigation():
        nina.get_by_role("button", name="Sign up for the meal").click()
    axe_check(nina)
    expect(nina.get_by_text("you are signed up")).to_be_visible()
    with nina.expect_navigation():
        nina.get_by_role("link", name="Meal,").click()
    axe_check(nina)
    expect(nina.get_by_text(ADDRESS)).to_be_visible()
    assert Slot.objects.get(pk=slot.pk).volunteer.display_name == "Nina"

    # while Olga, a member of the network outside the team, never sees it.
    olga = new_page()
    olga.set_default_timeout(10_000)
    sign_in(olga, base, "olga@example.org", axe_check)
    olga.goto(teams_url)
    axe_check(olga)
    expect(olga.get_by_text("Meals for Rosa")).to_have_count(0)
    for url in (team_url, f"{team_url}slots/{slot.pk}/"):
        response = olga.goto(url)
        assert response is not None
        assert response.status == 404
        assert ADDRESS not in olga.content()
    assert len(axe_check.checked) >= 14
