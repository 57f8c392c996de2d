"""Small circles and inference: with a roster of names beside pseudonymous posts, a circle of
very few lets people guess who wrote what. The roster is never ordered or lined up with
pseudonyms, and the post form says honestly when the circle is small."""

from django.urls import reverse

from mutualaid.care import services
from mutualaid.care.models import CircleMembership
from tests.api.conftest import api_client_for
from tests.care.conftest import SECRET_POST, join
from tests.conftest import client_for
from tests.factories import MemberFactory

NOTICE = "With so few members, others may be able to guess who wrote a post."


def _detail(client, circle) -> str:
    url = reverse(
        "care:circle_detail", kwargs={"slug": circle.network.slug, "circle_id": circle.pk}
    )
    return client.get(url).content.decode()


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"')[1].split("</section>")[0]


def _add(circle, facilitator, *names):
    members = [MemberFactory(network=circle.network, display_name=name) for name in names]
    for member in members:
        join(circle, member, facilitator)
    return members


def test_the_post_form_warns_while_fewer_than_four_are_active(circle, facilitator, poster):
    # Given a circle of two, then three,
    assert NOTICE in _section(_detail(client_for(poster), circle), "share-heading")
    (third,) = _add(circle, facilitator, "Tess Third")
    assert NOTICE in _detail(client_for(poster), circle)
    # when a fourth joins, the notice goes,
    (fourth,) = _add(circle, facilitator, "Fran Fourth")
    assert NOTICE not in _detail(client_for(poster), circle)
    # and comes back when someone is paused and only three are active again.
    services.membership_pause(
        actor=facilitator,
        membership=CircleMembership.objects.get(circle=circle, member=fourth),
        reason="A rest",
    )
    assert NOTICE in _detail(client_for(third), circle)


def test_the_api_says_when_a_circle_is_small(circle, facilitator, poster):
    api = api_client_for(poster)
    assert api.get(f"/care/circles/{circle.pk}").json()["few_members"] is True
    _add(circle, facilitator, "Tess Third", "Fran Fourth")
    assert api.get(f"/care/circles/{circle.pk}").json()["few_members"] is False


def test_the_roster_is_sorted_by_name_not_by_joining_order(circle, facilitator):
    # Given members who joined in an order unlike their names' (after Fatima, the creator),
    _add(circle, facilitator, "Zed", "Amy", "Mo")
    # then the page lists them by name,
    roster = _section(_detail(client_for(facilitator), circle), "members-heading")
    # (each name where its list item starts: a random CSRF token can hold "Mo" too)
    names = ("Amy", "Fatima Facilitator", "Mo", "Zed")
    positions = [roster.index(f"<li>{name}") for name in names]
    assert positions == sorted(positions)
    # and so does the API.
    members = api_client_for(facilitator).get(f"/care/circles/{circle.pk}/members").json()
    assert [m["display_name"] for m in members] == ["Amy", "Fatima Facilitator", "Mo", "Zed"]


def test_no_pseudonym_appears_in_the_roster_or_beside_a_name(circle, facilitator, poster):
    others = _add(circle, facilitator, "Zed", "Amy")
    for author in (poster, *others):
        services.post_create(actor=author, circle=circle, body=SECRET_POST)
    pseudonyms = list(CircleMembership.objects.filter(circle=circle).values_list("pseudonym"))
    page = _detail(client_for(facilitator), circle)
    for section in ("members-heading", "facilitator-heading", "invite-heading"):
        text = _section(page, section)
        assert not [p for (p,) in pseudonyms if p in text], section
    members = api_client_for(poster).get(f"/care/circles/{circle.pk}/members").text
    assert not [p for (p,) in pseudonyms if p in members]


def test_only_facilitators_get_membership_ids_from_the_roster(circle, facilitator, poster):
    mine = api_client_for(poster).get(f"/care/circles/{circle.pk}/members").json()
    theirs = api_client_for(facilitator).get(f"/care/circles/{circle.pk}/members").json()
    assert {m["id"] for m in mine} == {None}
    assert None not in {m["id"] for m in theirs}
