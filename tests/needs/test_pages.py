"""The needs, offers and matches pages, driven through the test client like a browser would."""

import re
import zoneinfo
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from mutualaid.needs import services
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.models import Member, Neighbourhood
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE, client_for
from tests.factories import (
    CENTER_CELL,
    FAR_CELL,
    NEARBY_CELL,
    CategoryFactory,
    MatchFactory,
    MemberFactory,
    NeedFactory,
    OfferFactory,
)

HUGE = "x" * 100_000
LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def page(name: str, network, **kwargs) -> str:
    return reverse(f"needs:{name}", kwargs={"slug": network.slug, **kwargs})


def step(match: Match, action: str) -> str:
    return page("match_step", match.need.network, match_id=match.pk, action=action)


def need_form_data(chosen_category, /, **overrides) -> dict:
    now = timezone.now()
    data = {
        "category": chosen_category.pk,
        "description": "Groceries from the corner shop",
        "urgency": Need.Urgency.TODAY,
        "window_start": now.strftime(LOCAL),
        "window_end": (now + timedelta(days=2)).strftime(LOCAL),
        "cell": CENTER_CELL,
        "languages": ["en", "es"],
        "address": SECRET_ADDRESS,
        "phone": SECRET_PHONE,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def offer_form_data(**overrides) -> dict:
    data = {
        "kind": Offer.Kind.TIME,
        "title": "Shopping on Saturdays",
        "description": "I have a car",
        "capacity": "2",
        "availability": ["sat-morning", "sun-afternoon"],
        "radius_km": "5",
        "cell": CENTER_CELL,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def proposed(need, helper):
    return services.match_propose(actor=helper, need=need, message="I can go on Friday")


@pytest.fixture
def accepted(proposed, requester):
    return services.match_accept(actor=requester, match=proposed)


def shows_private_details(html: str) -> bool:
    return SECRET_ADDRESS in html or SECRET_PHONE in html


# --- The whole loop ------------------------------------------------------------------------


def test_the_core_loop_runs_through_the_pages_from_posting_to_done(
    network, requester, helper, mailoutbox, django_capture_on_commit_callbacks
):
    # given a requester and a helper in the same network
    category = CategoryFactory(network=network)
    rosa, hugo = client_for(requester), client_for(helper)

    # when the requester posts a need
    response = rosa.post(page("need_create", network), need_form_data(category))
    need = Need.objects.get(requester=requester)
    assert response.status_code == 302
    assert response["Location"] == page("need_detail", network, need_id=need.pk)

    # then the helper finds it in the list, without the private details
    listing = hugo.get(page("need_list", network)).content.decode()
    assert "Groceries from the corner shop" in listing
    assert not shows_private_details(listing)

    # when the helper offers to help
    with django_capture_on_commit_callbacks(execute=True):
        response = hugo.post(page("need_offer_help", network, need_id=need.pk), {"message": "Hi!"})
    assert response.status_code == 302
    match = Match.objects.get(need=need)
    assert "offered to help" in mailoutbox[-1].subject

    # then the requester sees the offer and accepts it
    detail = rosa.get(page("need_detail", network, need_id=need.pk)).content.decode()
    assert "Hugo offered to help" in detail
    assert step(match, "accept") in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = rosa.post(step(match, "accept"))
    assert response.status_code == 302
    assert "accepted" in mailoutbox[-1].subject

    # then the helper sees the address and phone
    detail = hugo.get(page("need_detail", network, need_id=need.pk)).content.decode()
    assert SECRET_ADDRESS in detail
    assert SECRET_PHONE in detail

    # when they start, and both confirm it is done
    assert hugo.post(step(match, "start")).status_code == 302
    assert hugo.post(step(match, "confirm_done")).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert rosa.post(step(match, "confirm_done")).status_code == 302

    # then the need and the match are done, both are thanked, and the address is hidden again
    match.refresh_from_db()
    need.refresh_from_db()
    assert match.state == Match.State.DONE
    assert need.status == Need.Status.DONE
    assert "Marked done" in mailoutbox[-1].subject
    detail = hugo.get(page("need_detail", network, need_id=need.pk)).content.decode()
    assert not shows_private_details(detail)


# --- Who sees the address and phone --------------------------------------------------------


def test_the_requester_sees_their_own_address_and_phone(need, requester):
    response = client_for(requester).get(page("need_detail", need.network, need_id=need.pk))
    html = response.content.decode()
    assert SECRET_ADDRESS in html
    assert SECRET_PHONE in html
    assert "Only the helper you accept will see this" in html
    assert "<dd>English</dd>" in html  # the need's languages, by name


@pytest.mark.parametrize("started", [False, True], ids=["accepted", "in_progress"])
def test_the_accepted_helper_sees_address_phone_and_contact_while_the_match_is_open(
    need, helper, requester, accepted, started
):
    # given an accepted (and maybe started) match
    if started:
        services.match_start(actor=helper, match=accepted)
    # when the helper opens the need
    html = client_for(helper).get(page("need_detail", need.network, need_id=need.pk)).content
    # then the address, phone and the requester's preferred contact are there
    html = html.decode()
    assert SECRET_ADDRESS in html
    assert SECRET_PHONE in html
    assert requester.user.email in html


def test_a_declined_helper_never_sees_the_address_and_is_told_gently(need, helper, proposed):
    # given the requester declined the helper's offer
    services.match_decline(actor=need.requester, match=proposed)
    # when the helper opens the need
    response = client_for(helper).get(page("need_detail", need.network, need_id=need.pk))
    html = response.content.decode()
    # then no private details, a kind word, and no new offer form
    assert not shows_private_details(html)
    assert "chose someone else, or did not need help this time" in html
    assert page("need_offer_help", need.network, need_id=need.pk) not in html


def test_a_bystander_sees_neither_the_address_nor_who_helps_nor_declines(
    network, need, helper, bystander, accepted
):
    # given a declined offer from another member beside the accepted one
    other = MemberFactory(network=network, display_name="Dora")
    declined = services.match_propose(actor=other, need=need)
    services.match_decline(actor=need.requester, match=declined)
    # when a bystander opens the need
    response = client_for(bystander).get(page("need_detail", network, need_id=need.pk))
    html = response.content.decode()
    # then they learn only that someone is helping
    assert response.status_code == 200
    assert not shows_private_details(html)
    assert "Someone else is already helping with this need." in html
    assert "Hugo" not in html
    assert "Dora" not in html
    assert need.requester.user.email not in html


def test_a_member_of_another_network_cannot_see_the_need(need, outsider):
    client = client_for(outsider)
    # through their own network's address: not found
    response = client.get(page("need_detail", outsider.network, need_id=need.pk))
    assert response.status_code == 404
    assert not shows_private_details(response.content.decode())
    # through the need's network: sent to its public page
    response = client.get(page("need_detail", need.network, need_id=need.pk))
    assert response.status_code == 302
    assert not shows_private_details(response.content.decode())


def test_an_anonymous_visitor_is_sent_to_sign_in(client, need):
    response = client.get(page("need_detail", need.network, need_id=need.pk))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not shows_private_details(response.content.decode())


@pytest.mark.parametrize("ending", ["done", "release", "cancel"])
def test_the_helper_no_longer_sees_the_address_once_the_match_ends(
    need, helper, requester, accepted, ending
):
    # given the accepted match ended
    if ending == "done":
        services.match_start(actor=helper, match=accepted)
        services.match_confirm_done(actor=helper, match=accepted)
        services.match_confirm_done(actor=requester, match=accepted)
    elif ending == "release":
        services.match_release(actor=helper, match=accepted, reason="I am ill")
    else:
        services.match_cancel(actor=requester, match=accepted)
    # when the helper opens the need again
    html = client_for(helper).get(page("need_detail", need.network, need_id=need.pk)).content
    # then the private details are gone
    assert not shows_private_details(html.decode())


def test_the_needs_list_never_shows_private_details(need, helper, accepted):
    html = client_for(helper).get(page("need_list", need.network)).content.decode()
    assert not shows_private_details(html)


# --- Posting a need ------------------------------------------------------------------------


def test_the_need_form_starts_with_sensible_defaults(network, requester):
    CategoryFactory(network=network)
    Neighbourhood.objects.create(network=network, name="Lakeside", cell=NEARBY_CELL)
    response = client_for(requester).get(page("need_create", network))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Only the helper you accept will see this, and only while they are helping" in html
    assert f'<option value="{CENTER_CELL}" selected>' in html  # the member's own area
    assert "Lakeside" in html
    assert timezone.now().strftime("%Y-%m-%dT") in html


def test_the_time_window_is_read_in_the_network_timezone(network, requester):
    # given a network in California
    network.timezone = "America/Los_Angeles"
    network.save()
    category = CategoryFactory(network=network)
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    start = (timezone.now() + timedelta(days=1)).astimezone(zone).replace(second=0, microsecond=0)
    end = start + timedelta(hours=3)
    # when a need is posted with local times
    data = need_form_data(
        category, window_start=start.strftime(LOCAL), window_end=end.strftime(LOCAL)
    )
    response = client_for(requester).post(page("need_create", network), data)
    # then they are stored as those instants
    assert response.status_code == 302
    need = Need.objects.get(requester=requester)
    assert need.window_start == start
    assert need.window_end == end


def test_posting_a_need_with_nothing_filled_in_says_what_is_missing(network, requester):
    CategoryFactory(network=network)
    response = client_for(requester).post(page("need_create", network), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category", "abc", "Choose a category from the list."),
        ("category", "999999", "Choose a category from the list."),
        ("urgency", "asap", "Select a valid choice."),
        ("window_start", "yesterday", "Enter a date and time"),
        ("window_end", "2025-13-45T99:99", "Enter a date and time"),
        ("cell", "not-a-cell", "Choose a neighbourhood from the list."),
        ("languages", ["xx"], "Select a valid choice."),
        ("description", HUGE, "at most 500 characters"),
        ("address", HUGE, "at most 500 characters"),
        ("phone", HUGE, "at most 40 characters"),
    ],
)
def test_posting_a_need_with_bad_input_is_refused_readably(
    network, requester, field, value, message
):
    category = CategoryFactory(network=network)
    data = need_form_data(category, **{field: value})
    response = client_for(requester).post(page("need_create", network), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Need.objects.exists()


def test_posting_a_need_in_another_networks_category_is_refused(network, requester, outsider):
    foreign = CategoryFactory(network=outsider.network)
    response = client_for(requester).post(page("need_create", network), need_form_data(foreign))
    assert response.status_code == 400
    assert "Choose a category from the list." in response.content.decode()
    assert not Need.objects.exists()


def test_a_window_that_ends_before_it_starts_shows_the_services_message(network, requester):
    category = CategoryFactory(network=network)
    now = timezone.now()
    data = need_form_data(
        category,
        window_start=(now + timedelta(days=2)).strftime(LOCAL),
        window_end=(now + timedelta(days=1)).strftime(LOCAL),
    )
    response = client_for(requester).post(page("need_create", network), data)
    assert response.status_code == 400
    assert "The end of the time window must come after its start." in response.content.decode()
    assert not Need.objects.exists()


# --- Offering to help ----------------------------------------------------------------------


def test_offering_to_help_twice_gives_a_clear_message_and_one_match(need, helper):
    client = client_for(helper)
    url = page("need_offer_help", need.network, need_id=need.pk)
    assert client.post(url, {"message": "I can help"}).status_code == 302
    response = client.post(url, {"message": "I can help"})
    assert response.status_code == 409
    assert "You have already offered to help with this need." in response.content.decode()
    assert Match.objects.filter(need=need).count() == 1


def test_offering_help_with_one_of_my_offers_links_it(need, helper):
    offer = OfferFactory(helper=helper)
    url = page("need_offer_help", need.network, need_id=need.pk)
    response = client_for(helper).post(url, {"offer": offer.pk})
    assert response.status_code == 302
    assert Match.objects.get(need=need).offer == offer


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"message": HUGE}, "at most 500 characters"),
        ({"offer": "999999"}, "Choose one of your own active offers."),
        ({"offer": "abc"}, "Choose one of your own active offers."),
    ],
)
def test_offering_help_with_bad_input_is_refused_readably(need, helper, data, message):
    response = client_for(helper).post(page("need_offer_help", need.network, need_id=need.pk), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Match.objects.exists()


@pytest.mark.parametrize("owner", ["bystander", "outsider"])
def test_offering_help_with_someone_elses_offer_is_refused(need, helper, owner, request):
    offer = OfferFactory(helper=request.getfixturevalue(owner))
    url = page("need_offer_help", need.network, need_id=need.pk)
    response = client_for(helper).post(url, {"offer": offer.pk})
    assert response.status_code == 400
    assert "Choose one of your own active offers." in response.content.decode()
    assert not Match.objects.exists()


def test_offering_to_help_with_my_own_need_is_refused(need, requester):
    url = page("need_offer_help", need.network, need_id=need.pk)
    response = client_for(requester).post(url, {})
    assert response.status_code == 400
    assert "You cannot offer to help with your own need." in response.content.decode()
    assert not Match.objects.exists()


def test_offering_to_help_once_someone_else_helps_says_so(need, bystander, accepted):
    url = page("need_offer_help", need.network, need_id=need.pk)
    response = client_for(bystander).post(url, {})
    assert response.status_code == 409
    assert "Someone else is already helping with this need." in response.content.decode()
    assert Match.objects.filter(need=need).count() == 1


def test_offering_help_on_an_unknown_or_foreign_need_is_not_found(need, outsider, helper):
    foreign = NeedFactory(requester=MemberFactory(network=outsider.network))
    client = client_for(helper)
    for need_id in (foreign.pk, 999999):
        response = client.post(page("need_offer_help", need.network, need_id=need_id), {})
        assert response.status_code == 404
    assert not Match.objects.exists()


# --- Match steps ---------------------------------------------------------------------------


def test_an_unknown_step_is_not_found(proposed, requester):
    response = client_for(requester).post(step(proposed, "approve"))
    assert response.status_code == 404
    proposed.refresh_from_db()
    assert proposed.state == Match.State.PROPOSED


def test_steps_accept_only_post(proposed, requester):
    assert client_for(requester).get(step(proposed, "accept")).status_code == 405


def test_releasing_without_a_reason_is_refused_and_changes_nothing(accepted, helper):
    response = client_for(helper).post(step(accepted, "release"), {"reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.state == Match.State.ACCEPTED


def test_a_huge_reason_is_refused(accepted, helper):
    response = client_for(helper).post(step(accepted, "release"), {"reason": HUGE})
    assert response.status_code == 400
    assert "at most 500 characters" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.state == Match.State.ACCEPTED


def test_releasing_with_a_reason_reopens_the_need(need, accepted, helper):
    response = client_for(helper).post(step(accepted, "release"), {"reason": "I am ill"})
    assert response.status_code == 302
    need.refresh_from_db()
    accepted.refresh_from_db()
    assert accepted.state == Match.State.RELEASED
    assert accepted.release_reason == "I am ill"
    assert need.status == Need.Status.OPEN


def test_a_helper_can_withdraw_a_proposed_offer(proposed, helper):
    detail = client_for(helper).get(
        page("need_detail", proposed.need.network, need_id=proposed.need_id)
    )
    assert "waiting for an answer" in detail.content.decode()
    assert "Withdraw my offer" in detail.content.decode()
    response = client_for(helper).post(step(proposed, "cancel"))
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.state == Match.State.CANCELLED


def test_a_helper_cannot_accept_their_own_offer(proposed, helper):
    response = client_for(helper).post(step(proposed, "accept"))
    assert response.status_code == 403
    assert "You are not allowed to do that." in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.state == Match.State.PROPOSED


def test_steps_on_unknown_foreign_or_others_matches_are_not_found(
    network, proposed, bystander, outsider
):
    foreign = MatchFactory(need=NeedFactory(requester=MemberFactory(network=outsider.network)))
    bea = client_for(bystander)
    for match_id in (999999, foreign.pk, proposed.pk):
        response = bea.post(page("match_step", network, match_id=match_id, action="accept"))
        assert response.status_code == 404
    proposed.refresh_from_db()
    assert proposed.state == Match.State.PROPOSED


def test_accepting_a_second_helper_is_refused_with_a_clear_message(
    network, need, requester, accepted
):
    # given a second offer arrived before the first was accepted
    late = MatchFactory(need=need, helper=MemberFactory(network=network))
    # when the requester accepts it too
    response = client_for(requester).post(step(late, "accept"))
    # then it is refused, readably
    assert response.status_code == 409
    assert "Someone else is already helping with this need." in response.content.decode()
    late.refresh_from_db()
    assert late.state == Match.State.PROPOSED


def test_with_htmx_a_step_returns_the_updated_match_card(need, requester, proposed):
    response = client_for(requester).post(step(proposed, "accept"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="match-{proposed.pk}"' in html
    assert "accepted" in html
    assert step(proposed, "accept") not in html


def test_with_htmx_a_refused_step_returns_the_card_with_the_message(
    network, need, requester, accepted
):
    late = MatchFactory(need=need, helper=MemberFactory(network=network))
    response = client_for(requester).post(step(late, "accept"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 409
    assert "<html" not in html
    assert f'id="match-{late.pk}"' in html
    assert "Someone else is already helping with this need." in html


def test_the_helpers_htmx_card_keeps_the_private_details_while_open(need, helper, accepted):
    response = client_for(helper).post(step(accepted, "start"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert SECRET_ADDRESS in response.content.decode()
    response = client_for(helper).post(
        step(accepted, "release"), {"reason": "ill"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert not shows_private_details(response.content.decode())


def test_my_matches_are_grouped_into_live_and_finished(network, need, helper, proposed):
    done_need = NeedFactory(requester=MemberFactory(network=network), description="Old errand")
    finished = MatchFactory(need=done_need, helper=helper, state=Match.State.DONE)
    html = client_for(helper).get(page("match_list", network)).content.decode()
    live_part, finished_part = html.split("Finished</h2>")
    assert need.description[:30] in live_part
    assert finished.need.description in finished_part


# --- Closing and "still needed?" -----------------------------------------------------------


def test_the_requester_closes_their_need_and_the_helper_is_released(need, requester, accepted):
    response = client_for(requester).post(page("need_close", need.network, need_id=need.pk))
    assert response.status_code == 302
    need.refresh_from_db()
    accepted.refresh_from_db()
    assert need.status == Need.Status.CLOSED
    assert accepted.state == Match.State.CANCELLED


def test_a_bystander_cannot_close_someone_elses_need(need, bystander):
    response = client_for(bystander).post(page("need_close", need.network, need_id=need.pk))
    assert response.status_code == 403
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_an_organiser_can_close_a_need_as_moderator(network, need):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    detail = client_for(organiser).get(page("need_detail", network, need_id=need.pk))
    assert "Close the need" in detail.content.decode()
    response = client_for(organiser).post(page("need_close", network, need_id=need.pk))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


@pytest.mark.parametrize(
    ("answer", "status"), [("yes", Need.Status.OPEN), ("no", Need.Status.CLOSED)]
)
def test_the_requester_answers_whether_they_still_need_help(need, requester, answer, status):
    Need.objects.filter(pk=need.pk).update(still_needed_asked_at=timezone.now())
    client = client_for(requester)
    assert (
        "Do you still need help?"
        in client.get(page("need_detail", need.network, need_id=need.pk)).content.decode()
    )
    url = page("need_still_needed", need.network, need_id=need.pk)
    response = client.post(url, {"still_needed": answer})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == status
    assert need.still_needed_asked_at is None or status == Need.Status.CLOSED


@pytest.mark.parametrize("name", ["need_close", "need_still_needed"])
def test_closing_or_answering_for_an_unknown_or_foreign_need_is_not_found(
    network, requester, outsider, name
):
    foreign = NeedFactory(requester=MemberFactory(network=outsider.network))
    client = client_for(requester)
    for need_id in (foreign.pk, 999999):
        response = client.post(page(name, network, need_id=need_id), {"still_needed": "no"})
        assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Need.Status.OPEN


def test_a_strange_still_needed_answer_is_refused(need, requester):
    url = page("need_still_needed", need.network, need_id=need.pk)
    response = client_for(requester).post(url, {"still_needed": "maybe"})
    assert response.status_code == 400
    assert "Answer yes or no." in response.content.decode()


def test_only_the_requester_answers_still_needed(need, bystander):
    url = page("need_still_needed", need.network, need_id=need.pk)
    response = client_for(bystander).post(url, {"still_needed": "no"})
    assert response.status_code == 403
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


# --- The needs list ------------------------------------------------------------------------


def test_the_needs_list_shows_area_distance_age_and_an_offer_button(network, requester, helper):
    Neighbourhood.objects.create(network=network, name="Lakeside", cell=NEARBY_CELL)
    NeedFactory(requester=requester, cell=NEARBY_CELL, description="Named place")
    NeedFactory(requester=requester, cell=FAR_CELL, description="Unnamed place")
    html = client_for(helper).get(page("need_list", network)).content.decode()
    assert "Lakeside" in html
    assert "km from you" in html
    assert "about " in html
    assert " km away" in html
    assert "posted " in html
    assert "Offer to help" in html
    assert html.count("<h1") == 1


def test_the_needs_list_filters_by_category_urgency_language_and_distance(
    network, requester, helper
):
    rides = CategoryFactory(network=network, slug="rides", name="Rides")
    NeedFactory(requester=requester, description="Need groceries", cell=NEARBY_CELL)
    NeedFactory(requester=requester, category=rides, description="Need a ride", urgency="today")
    NeedFactory(requester=requester, description="Far away thing", cell=FAR_CELL, languages=["es"])
    client = client_for(helper)

    def shown(**params) -> str:
        return client.get(page("need_list", network), params).content.decode()

    assert "Need a ride" in shown(category="rides")
    assert "Need groceries" not in shown(category="rides")
    assert "Need groceries" not in shown(urgency="today")
    assert "Far away thing" in shown(language="es")
    assert "Need groceries" not in shown(language="es")
    assert "Far away thing" not in shown(near="on")
    assert "Need groceries" in shown(near="on")


def test_an_unknown_filter_is_refused_readably(network, helper):
    response = client_for(helper).get(page("need_list", network), {"category": "nonsense"})
    assert response.status_code == 400
    assert "Some filters were not understood" in response.content.decode()


def test_the_needs_list_pages_keep_the_filters(network, requester, helper):
    NeedFactory.create_batch(30, requester=requester)
    html = client_for(helper).get(page("need_list", network), {"category": "groceries"}).content
    html = html.decode()
    assert html.count('class="card need-card"') == 25
    assert "category=groceries&amp;page=2" in html
    second = client_for(helper).get(
        page("need_list", network), {"category": "groceries", "page": 2}
    )
    assert second.content.decode().count('class="card need-card"') == 5


def test_with_htmx_the_needs_list_returns_only_the_results(network, need, helper):
    response = client_for(helper).get(page("need_list", network), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert need.description in html
    assert "HX-Request" in response["Vary"]


def test_the_needs_list_runs_a_bounded_number_of_queries_and_never_loads_addresses(
    network, requester, helper, django_assert_max_num_queries
):
    # given many needs, in several neighbourhoods
    Neighbourhood.objects.create(network=network, name="Lakeside", cell=NEARBY_CELL)
    NeedFactory.create_batch(30, requester=requester)
    client = client_for(helper)
    # when a member loads the list, filtered
    with django_assert_max_num_queries(8) as queries:
        response = client.get(page("need_list", network), {"category": "groceries", "near": "on"})
    # then a fixed handful of queries ran, none reading the encrypted columns
    assert response.status_code == 200
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert '"needs_need"."address"' not in sql
    assert '"needs_need"."phone"' not in sql


# --- Offers --------------------------------------------------------------------------------


def test_posting_an_offer_and_pausing_resuming_and_withdrawing_it(network, helper):
    client = client_for(helper)
    response = client.post(page("offer_create", network), offer_form_data())
    offer = Offer.objects.get(helper=helper)
    assert response.status_code == 302
    assert offer.availability == ["sat-morning", "sun-afternoon"]
    detail = client.get(page("offer_detail", network, offer_id=offer.pk)).content.decode()
    assert "Saturday morning" in detail
    for status in (Offer.Status.PAUSED, Offer.Status.ACTIVE, Offer.Status.WITHDRAWN):
        url = page("offer_status", network, offer_id=offer.pk)
        assert client.post(url, {"status": status}).status_code == 302
        offer.refresh_from_db()
        assert offer.status == status


def test_the_offer_form_groups_availability_by_day_in_fieldsets(network, helper):
    html = client_for(helper).get(page("offer_create", network)).content.decode()
    assert "<legend>Monday</legend>" in html
    assert 'value="sun-evening"' in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", None, "This field is required."),
        ("kind", "money", "Select a valid choice."),
        ("title", HUGE, "at most 120 characters"),
        ("capacity", "lots", "Enter a whole number."),
        ("capacity", "1000", "Enter a whole number from 1 to 100."),
        ("radius_km", "9" * 5000, "Enter a whole number."),
        ("availability", ["caturday-night"], "Select a valid choice."),
        ("category", "999999", "Choose a category from the list."),
        ("cell", "nowhere", "Choose a neighbourhood from the list."),
    ],
)
def test_posting_an_offer_with_bad_input_is_refused_readably(
    network, helper, field, value, message
):
    response = client_for(helper).post(
        page("offer_create", network), offer_form_data(**{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Offer.objects.exists()


def test_posting_an_offer_in_another_networks_category_is_refused(network, helper, outsider):
    foreign = CategoryFactory(network=outsider.network)
    data = offer_form_data(category=foreign.pk)
    response = client_for(helper).post(page("offer_create", network), data)
    assert response.status_code == 400
    assert not Offer.objects.exists()


def test_a_strange_offer_status_is_refused(network, helper):
    offer = OfferFactory(helper=helper)
    url = page("offer_status", network, offer_id=offer.pk)
    response = client_for(helper).post(url, {"status": "deleted"})
    assert response.status_code == 400
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE


def test_nobody_else_can_change_my_offer(network, helper, bystander):
    offer = OfferFactory(helper=helper)
    url = page("offer_status", network, offer_id=offer.pk)
    response = client_for(bystander).post(url, {"status": Offer.Status.WITHDRAWN})
    assert response.status_code == 403
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE


def test_another_networks_offer_is_not_found(network, helper, outsider):
    foreign = OfferFactory(helper=outsider)
    response = client_for(helper).get(page("offer_detail", network, offer_id=foreign.pk))
    assert response.status_code == 404


def test_the_offer_list_filters_by_kind_and_swaps_in_place_with_htmx(network, helper, bystander):
    OfferFactory(helper=bystander, kind=Offer.Kind.ITEM, title="A spare pram")
    OfferFactory(helper=bystander, kind=Offer.Kind.TIME, title="Saturday shopping")
    client = client_for(helper)
    html = client.get(page("offer_list", network), {"kind": "item"}).content.decode()
    assert "A spare pram" in html
    assert "Saturday shopping" not in html
    response = client.get(page("offer_list", network), {"kind": "time"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert "Saturday shopping" in response.content.decode()


# --- Admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_organiser(network):
    return MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)


def test_the_admin_never_shows_the_address_or_phone(need, accepted, admin_organiser):
    client = client_for(admin_organiser)
    for url in (
        reverse("admin:needs_need_changelist"),
        reverse("admin:needs_need_change", args=[need.pk]),
        reverse("admin:needs_match_changelist"),
        reverse("admin:needs_match_change", args=[accepted.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not shows_private_details(response.content.decode()), url


def test_an_organiser_closes_needs_from_the_admin_through_the_service(need, admin_organiser):
    response = client_for(admin_organiser).post(
        reverse("admin:needs_need_changelist"),
        {"action": "close_needs", "_selected_action": [need.pk]},
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


def test_another_networks_organiser_does_not_see_these_needs_in_the_admin(need, outsider):
    Member.objects.filter(pk=outsider.pk).update(role=Member.Role.FOUNDING_ORGANISER)
    client = client_for(outsider)
    assert client.get(reverse("admin:needs_need_change", args=[need.pk])).status_code == 302
    listing = client.get(reverse("admin:needs_need_changelist")).content.decode()
    assert need.description not in listing
    assert need.network.name not in listing  # not even as a filter choice


def test_the_tally_is_read_only_in_the_admin(admin_organiser):
    from django.contrib import admin

    from mutualaid.needs.models import AnonymousTally

    model_admin = admin.site._registry[AnonymousTally]
    request = type("Request", (), {"user": admin_organiser.user})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


# --- Markup: accessible and CSP-clean ----------------------------------------------------


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.tags: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if "style" in attrs or (tag == "script" and "src" not in attrs) or tag == "style":
            self.inline.append(tag)


def test_every_page_has_one_h1_ordered_headings_unique_ids_and_nothing_inline(
    network, need, helper, requester, accepted
):
    # given a need with an accepted helper, an offer and a declined offer
    offer = OfferFactory(helper=helper)
    other = MemberFactory(network=network)
    services.match_decline(
        actor=requester,
        match=services.match_propose(actor=other, need=NeedFactory(requester=requester)),
    )
    urls = [
        page("need_list", network),
        page("need_create", network),
        page("need_detail", network, need_id=need.pk),
        page("offer_list", network),
        page("offer_create", network),
        page("offer_detail", network, offer_id=offer.pk),
        page("match_list", network),
    ]
    for member in (requester, helper):
        client = client_for(member)
        for url in urls:
            # when each page is loaded
            response = client.get(url)
            assert response.status_code == 200, url
            markup = _Markup()
            markup.feed(response.content.decode())
            # then it is well-formed for assistive technology and the CSP
            headings = [int(t[1]) for t in markup.tags if re.fullmatch(r"h[1-6]", t)]
            assert headings.count(1) == 1, url
            assert all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False)), url
            assert [i for i, n in markup.ids.items() if n > 1] == [], url
            assert markup.inline == [], url
