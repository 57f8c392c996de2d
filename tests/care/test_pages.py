"""Circles through their pages, without JavaScript: the same rules as the services."""

from django.urls import reverse

from mutualaid.care import services
from mutualaid.care.models import Circle, CircleLogEntry, CircleMembership, Flag, Post
from tests.care.conftest import SECRET_POST
from tests.conftest import client_for
from tests.factories import MemberFactory


def _url(name, circle, **kw):
    return reverse(name, kwargs={"slug": circle.network.slug, "circle_id": circle.pk, **kw})


def test_a_member_starts_a_circle_on_its_page(facilitator):
    client = client_for(facilitator)
    response = client.post(
        reverse("care:circle_create", kwargs={"slug": facilitator.network.slug}),
        {
            "name": "New parents",
            "agreement": "What is said here stays here.",
            "retention_days": 30,
            "rotation_days": 14,
        },
    )
    assert response.status_code == 302
    circle = Circle.objects.get(name="New parents")
    assert (circle.retention_days, circle.rotation_days) == (30, 14)


def test_joining_welcoming_agreeing_and_posting_through_the_pages(circle, facilitator):
    newcomer = MemberFactory(network=circle.network, display_name="Nell Newcomer")
    mine = client_for(newcomer)
    assert mine.post(_url("care:circle_join", circle)).status_code == 302
    membership = CircleMembership.objects.get(circle=circle, member=newcomer)
    assert membership.state == "requested"

    theirs = client_for(facilitator)
    assert "Nell Newcomer" in theirs.get(_url("care:circle_detail", circle)).content.decode()
    theirs.post(_url("care:membership_step", circle, membership_id=membership.pk, action="accept"))

    # Posting before the agreement is refused with the reason on the page.
    response = mine.post(_url("care:post_create", circle), {"body": "hi"}, follow=True)
    assert "accept the circle" in response.content.decode()
    mine.post(_url("care:agreement_accept", circle), {"version": 1})
    mine.post(_url("care:post_create", circle), {"body": SECRET_POST, "content_note": "grief"})
    post = Post.objects.get(circle=circle)
    assert post.body == SECRET_POST
    assert post.pseudonym == CircleMembership.objects.get(pk=membership.pk).pseudonym


def test_flagging_twice_on_the_page_says_so(circle, facilitator, poster):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    client = client_for(facilitator)
    url = _url("care:post_flag", circle, post_id=post.pk)
    client.post(url, {"reason": "names someone"})
    page = client.post(url, {"reason": "names someone"}, follow=True).content.decode()
    assert "already flagged" in page
    assert Flag.objects.count() == 1


def test_a_facilitator_pauses_on_the_page_and_the_member_is_shut_out(circle, facilitator, poster):
    membership = CircleMembership.objects.get(circle=circle, member=poster)
    client_for(facilitator).post(
        _url("care:membership_step", circle, membership_id=membership.pk, action="pause"),
        {"reason": "Time to rest"},
    )
    paused = client_for(poster)
    page = paused.get(_url("care:circle_detail", circle)).content.decode()
    assert "Time to rest" in page
    assert paused.get(_url("care:circle_log", circle)).status_code == 404
    log = client_for(facilitator).get(_url("care:circle_log", circle)).content.decode()
    assert "Time to rest" in log
    assert poster.display_name not in log
    assert membership.pseudonym not in log


def test_when_the_last_facilitator_leaves_a_willing_member_takes_the_role(
    circle, facilitator, poster
):
    client_for(facilitator).post(_url("care:circle_leave", circle))
    assert CircleMembership.objects.get(circle=circle, member=poster).is_facilitator
    assert CircleLogEntry.objects.filter(action="facilitators_rotated").exists()


def test_a_facilitator_revises_the_agreement_on_the_page(circle, facilitator, poster):
    client_for(facilitator).post(_url("care:agreement_revise", circle), {"text": "Version two."})
    page = client_for(poster).get(_url("care:circle_detail", circle)).content.decode()
    assert "Version two." in page
    assert "I accept this agreement" in page
