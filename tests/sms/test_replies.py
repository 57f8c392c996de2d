"""Every command by text, through the same services as the pages: given a member who texts,
when they send a command, then the need or match changes as on the page and the reply says so."""

import pytest
from django.utils import timezone

from mutualaid.needs import services as needs
from mutualaid.needs.models import Match, Need
from mutualaid.networks.models import Neighbourhood
from mutualaid.sms.models import SmsConversation
from tests.factories import NEARBY_CELL, MatchFactory, MemberFactory, NeedFactory
from tests.sms.conftest import (
    BYSTANDER_NUMBER,
    HELPER_NUMBER,
    REQUESTER_NUMBER,
    text,
    verified_phone,
)

# --- NEED


def test_need_posts_a_need_with_its_category_and_time(texters, requester):
    reply = text(REQUESTER_NUMBER, "NEED groceries tomorrow")
    need = Need.objects.get(requester=requester)
    assert f"Posted as need #{need.pk}" in reply
    assert need.category.slug == "groceries"
    assert need.description == "groceries tomorrow"
    assert need.cell == requester.cell
    assert need.window_start > timezone.now()


def test_need_in_spanish_recognises_the_category_and_answers_in_spanish(texters, requester):
    reply = text(REQUESTER_NUMBER, "necesito un aventón hoy")
    need = Need.objects.get(requester=requester)
    assert need.category.slug == "rides"
    assert need.urgency == Need.Urgency.TODAY
    assert f"#{need.pk}" in reply
    assert "Publicada" in reply


def test_need_with_mixed_case_and_a_misspelling(texters, requester):
    text(REQUESTER_NUMBER, "Hi, nede GROCERYS please")
    assert Need.objects.get(requester=requester).category.slug == "groceries"


def test_need_without_a_category_asks_for_one_then_posts(texters, requester):
    reply = text(REQUESTER_NUMBER, "NEED something heavy moved")
    assert "1 Groceries, 2 Rides" in reply
    assert not Need.objects.exists()
    reply = text(REQUESTER_NUMBER, "2")
    need = Need.objects.get(requester=requester)
    assert need.category.slug == "rides"
    assert need.description == "something heavy moved"
    assert not SmsConversation.objects.exists()


def test_need_without_words_asks_what_is_needed(texters, requester):
    assert "What do you need" in text(REQUESTER_NUMBER, "NEED")
    text(REQUESTER_NUMBER, "groceries for the week")
    assert Need.objects.get(requester=requester).category.slug == "groceries"


def test_need_asks_for_the_area_when_the_profile_has_none(texters, requester, network):
    requester.cell = ""
    requester.save()
    Neighbourhood.objects.create(network=network, name="Fruitvale", cell=NEARBY_CELL)
    Neighbourhood.objects.create(
        network=network, name="Adams Point", cell=requester.network.center_cell
    )
    reply = text(REQUESTER_NUMBER, "NEED groceries")
    assert "Which area" in reply
    assert "1 Adams Point, 2 Fruitvale" in reply
    assert not Need.objects.exists()
    assert "Which area" in text(REQUESTER_NUMBER, "the moon")  # asked again
    text(REQUESTER_NUMBER, "fruitvale")
    assert Need.objects.get(requester=requester).cell == NEARBY_CELL


def test_a_lapsed_question_is_forgotten(texters, requester):
    text(REQUESTER_NUMBER, "NEED")
    SmsConversation.objects.update(expires_at=timezone.now())
    reply = text(REQUESTER_NUMBER, "groceries")
    assert "did not understand" in reply
    assert not Need.objects.exists()


# --- OFFER and HELP 123


def test_offer_lists_nearby_open_needs_by_number_without_addresses(texters, requester, helper):
    need = NeedFactory(requester=requester, description="Groceries for the week")
    reply = text(HELPER_NUMBER, "offer")
    assert f"#{need.pk} Groceries: Groceries for the week" in reply
    assert "Secret Lane" not in reply
    assert "HELP" in reply


def test_offer_with_nothing_open_says_so(texters):
    assert "No open needs" in text(HELPER_NUMBER, "OFFER")


def test_offer_never_lists_more_than_five(texters, requester):
    for _ in range(7):
        NeedFactory(requester=requester)
    assert text(HELPER_NUMBER, "OFFER").count("\n#") == 5


def test_help_with_a_number_offers_help_like_the_page(texters, need, helper):
    reply = text(HELPER_NUMBER, f"help {need.pk}")
    match = Match.objects.get(need=need, helper=helper)
    assert match.state == Match.State.PROPOSED
    assert "Thank you" in reply


def test_ayuda_with_a_number_offers_help_and_answers_in_spanish(texters, need, helper):
    reply = text(HELPER_NUMBER, f"AYUDA {need.pk}")
    assert Match.objects.filter(need=need, helper=helper).exists()
    assert "Gracias" in reply


def test_help_alone_lists_the_commands_in_the_members_language(texters, helper):
    assert "NEED" in text(HELPER_NUMBER, "HELP")
    assert "NECESITO" in text(HELPER_NUMBER, "ayuda")


def test_an_unknown_id_gets_a_clear_reply(texters):
    assert "no need #99999" in text(HELPER_NUMBER, "HELP 99999")


def test_a_need_of_another_network_is_unknown(texters, outsider):
    other = NeedFactory(requester=outsider)
    assert f"no need #{other.pk}" in text(HELPER_NUMBER, f"HELP {other.pk}")


def test_helping_with_ones_own_need_is_refused_in_words(texters, need):
    assert "your own need" in text(REQUESTER_NUMBER, f"HELP {need.pk}")


# --- YES / NO


def test_yes_accepts_the_one_offer_on_my_need(texters, need, helper):
    needs.match_propose(actor=helper, need=need)
    reply = text(REQUESTER_NUMBER, f"YES {need.pk}")
    assert Match.objects.get(need=need).state == Match.State.ACCEPTED
    assert "Hugo" in reply


def test_no_declines_the_offer(texters, need, helper):
    needs.match_propose(actor=helper, need=need)
    text(REQUESTER_NUMBER, f"no {need.pk}")
    assert Match.objects.get(need=need).state == Match.State.DECLINED


def test_with_several_offers_yes_asks_which_and_takes_a_second_number(
    texters, need, helper, bystander
):
    needs.match_propose(actor=helper, need=need)
    needs.match_propose(actor=bystander, need=need)
    reply = text(REQUESTER_NUMBER, f"YES {need.pk}")
    assert "1 Hugo, 2 Bea" in reply
    assert not Match.objects.filter(state=Match.State.ACCEPTED).exists()
    text(REQUESTER_NUMBER, f"YES {need.pk} 2")
    assert Match.objects.get(state=Match.State.ACCEPTED).helper == bystander


def test_yes_answers_a_suggestion_from_matching(texters, need, helper):
    MatchFactory(
        need=need,
        helper=helper,
        state=Match.State.SUGGESTED,
        offered_at=None,
        origin=Match.Origin.ENGINE,
    )
    text(HELPER_NUMBER, f"si {need.pk}")
    assert Match.objects.get(need=need).state == Match.State.PROPOSED


def test_no_passes_on_a_suggestion(texters, need, helper):
    MatchFactory(
        need=need,
        helper=helper,
        state=Match.State.SUGGESTED,
        offered_at=None,
        origin=Match.Origin.ENGINE,
    )
    text(HELPER_NUMBER, f"NO {need.pk}")
    assert Match.objects.get(need=need).state == Match.State.PASSED


def test_yes_on_someone_elses_need_is_refused_in_words(texters, need, helper):
    needs.match_propose(actor=helper, need=need)
    reply = text(BYSTANDER_NUMBER, f"YES {need.pk}")
    assert "not yours" in reply
    assert Match.objects.get(need=need).state == Match.State.PROPOSED


def test_a_bare_yes_answers_still_need_help(texters, need):
    Need.objects.filter(pk=need.pk).update(still_needed_asked_at=timezone.now())
    reply = text(REQUESTER_NUMBER, "yes")
    need.refresh_from_db()
    assert need.still_needed_asked_at is None
    assert "another week" in reply


def test_a_bare_no_closes_the_need_asked_about(texters, need):
    Need.objects.filter(pk=need.pk).update(still_needed_asked_at=timezone.now())
    text(REQUESTER_NUMBER, "No")
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


def test_a_bare_yes_with_nothing_asked_says_so(texters):
    assert "Nothing is waiting" in text(REQUESTER_NUMBER, "YES")


# --- DONE, CANCEL, STATUS


def test_done_from_both_sides_completes_the_help(texters, need, helper):
    match = needs.match_propose(actor=helper, need=need)
    needs.match_accept(actor=need.requester, match=match)
    assert "once the other person confirms" in text(HELPER_NUMBER, f"DONE {need.pk}")
    assert "resuelta" in text(REQUESTER_NUMBER, f"listo {need.pk}")
    need.refresh_from_db()
    assert need.status == Need.Status.DONE


def test_done_on_someone_elses_need_is_refused(texters, need):
    assert "not yours" in text(BYSTANDER_NUMBER, f"DONE {need.pk}")


def test_done_without_a_number_asks_for_one(texters):
    assert "number" in text(REQUESTER_NUMBER, "DONE")


def test_cancel_closes_my_need(texters, need):
    assert "closed" in text(REQUESTER_NUMBER, f"CANCEL {need.pk}")
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


def test_cancel_by_the_helper_calls_off_their_help(texters, need, helper):
    match = needs.match_propose(actor=helper, need=need)
    needs.match_accept(actor=need.requester, match=match)
    text(HELPER_NUMBER, f"cancelar {need.pk}")
    match.refresh_from_db()
    assert match.state == Match.State.CANCELLED


def test_cancel_on_someone_elses_need_is_refused_and_changes_nothing(texters, need):
    assert "not yours" in text(BYSTANDER_NUMBER, f"CANCEL {need.pk}")
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_status_lists_my_needs_and_offers_waiting(texters, need, helper):
    needs.match_propose(actor=helper, need=need)
    reply = text(REQUESTER_NUMBER, "status")
    assert f"#{need.pk} Groceries" in reply
    assert f"YES {need.pk}" in reply
    assert f"#{need.pk}" in text(HELPER_NUMBER, "estado")


# --- Anything else


def test_a_text_that_is_no_command_gets_the_help_text(texters):
    reply = text(REQUESTER_NUMBER, "thanks so much!!")
    assert "did not understand" in reply
    assert "NEED" in reply


def test_a_member_of_two_networks_is_found_by_the_number_they_text(texters, requester):
    other = MemberFactory(user=requester.user)
    verified_phone(other, REQUESTER_NUMBER)
    # Two networks and no network number: nobody can tell which, so it is a stranger's reply.
    assert "join" in text(REQUESTER_NUMBER, "STATUS")


def test_a_text_for_the_relay_goes_there_when_the_relay_exists(texters, requester, monkeypatch):
    relay = pytest.importorskip("mutualaid.relay.services")
    monkeypatch.setattr(relay, "relay_post_sms", lambda *, member, text: "Sent to Hugo.")
    assert text(REQUESTER_NUMBER, "see you at 5") == "Sent to Hugo."
