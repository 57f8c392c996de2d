"""The permission matrix for circles, over pages and the API.

Roles: an active member of the circle, its facilitator, a network member outside it, a paused
member, a removed member, an organiser who is not in the circle (organisers get no special
access to circle content), and a member of another network. Post text is seen only by the
circle's active members, and an author's name or account id never appears beside a post
anywhere: pages, API, emails, logs.
"""

import logging
import uuid
from typing import get_args

import pytest
from django.test import Client
from django.urls import reverse

from mutualaid.care import api as care_api
from mutualaid.care import services
from mutualaid.care.models import CircleMembership, Post, Reaction
from mutualaid.networks.models import Member
from tests.api.conftest import api_client_for
from tests.care.conftest import SECRET_POST, join
from tests.factories import MemberFactory

INSIDE = {"member", "facilitator"}
ROLES = ["member", "facilitator", "outsider_in_network", "paused", "removed", "organiser", "other"]


@pytest.fixture
def world(circle, facilitator, poster, outsider, django_capture_on_commit_callbacks):
    network = circle.network
    paused = MemberFactory(network=network, display_name="Pat Paused")
    removed = MemberFactory(network=network, display_name="Rae Removed")
    for person in (paused, removed):
        join(circle, person, facilitator)
    organiser = MemberFactory(
        network=network, display_name="Olu Organiser", role=Member.Role.FOUNDING_ORGANISER
    )
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(
            actor=poster, circle=circle, body=SECRET_POST, content_note="loss"
        )
        services.reply_create(actor=facilitator, post=post, hear_you=True)
        services.membership_pause(
            actor=facilitator,
            membership=CircleMembership.objects.get(circle=circle, member=paused),
            reason="A break",
        )
        services.membership_remove(
            actor=facilitator,
            membership=CircleMembership.objects.get(circle=circle, member=removed),
            reason="Asked to",
        )
        services.post_flag(actor=facilitator, post=post, reason="checking")
    people = {
        "member": poster,
        "facilitator": facilitator,
        "outsider_in_network": MemberFactory(network=network, display_name="Ola Outside"),
        "paused": paused,
        "removed": removed,
        "organiser": organiser,
        "other": outsider,
    }
    return {"circle": circle, "post": post, "people": people, "author": poster}


def _author_traces(world) -> list[str]:
    author = world["author"]
    return [author.display_name, author.user.email]


def _pages(world) -> list[str]:
    circle, post = world["circle"], world["post"]
    slug = {"slug": circle.network.slug}
    return [
        reverse("care:circle_list", kwargs=slug),
        reverse("care:circle_detail", kwargs=slug | {"circle_id": circle.pk}),
        reverse("care:circle_log", kwargs=slug | {"circle_id": circle.pk}),
        reverse("care:crisis", kwargs=slug),
    ] + [f"/n/{circle.network.slug}/circles/{circle.pk}/posts/{post.pk}/reply/"]


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_post_text_only_inside_and_never_its_author(world, role, caplog, mailoutbox):
    caplog.set_level(logging.DEBUG)
    client = Client()
    client.force_login(world["people"][role].user)
    detail = reverse(
        "care:circle_detail",
        kwargs={"slug": world["circle"].network.slug, "circle_id": world["circle"].pk},
    )
    bodies = []
    for url in _pages(world)[:4]:
        response = client.get(url)
        assert response.status_code < 500
        bodies.append(response.content.decode())
    page = client.get(detail).content.decode()
    if role in INSIDE:
        assert SECRET_POST in page
        assert world["post"].pseudonym in page
    else:
        assert SECRET_POST not in "".join(bodies)
        assert world["post"].pseudonym not in "".join(bodies)
    # The author is never named beside a post; the roster names members, never pseudonyms,
    # so the author's name appears only in the roster list item.
    for trace in _author_traces(world):
        for body in bodies:
            for chunk in body.split("<article")[1:]:
                assert trace not in chunk.split("</article>")[0]
    assert not any(SECRET_POST in r.getMessage() for r in caplog.records)
    assert not any(SECRET_POST in m.subject + m.body for m in mailoutbox)


@pytest.mark.parametrize("role", sorted(set(ROLES) - INSIDE))
def test_outside_roles_cannot_post_react_flag_or_read_the_log(world, role):
    client = Client()
    client.force_login(world["people"][role].user)
    circle, post = world["circle"], world["post"]
    base = f"/n/{circle.network.slug}/circles/{circle.pk}"
    log = client.get(f"{base}/log/")
    assert log.status_code in {302, 404}
    for path, data in [
        (f"{base}/posts/", {"body": "intrusion"}),
        (f"{base}/posts/{post.pk}/reply/", {"body": "intrusion"}),
        (f"{base}/posts/{post.pk}/react/", {"kind": "heart"}),
        (f"{base}/posts/{post.pk}/flag/", {"reason": "intrusion"}),
        (f"{base}/posts/{post.pk}/hide/", {"reason": "intrusion"}),
    ]:
        assert client.post(path, data).status_code in {302, 404}
    assert not Post.objects.filter(body="intrusion").exists()
    assert not Post.objects.get(pk=post.pk).hidden
    assert Reaction.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_the_api_shows_circle_content_only_inside(world, role):
    api = api_client_for(world["people"][role])
    circle, post = world["circle"], world["post"]
    responses = [
        api.get("/care/circles"),
        api.get(f"/care/circles/{circle.pk}"),
        api.get(f"/care/circles/{circle.pk}/posts"),
        api.get(f"/care/circles/{circle.pk}/log"),
        api.get("/care/crisis"),
    ]
    text = "".join(r.content.decode() for r in responses)
    if role in INSIDE:
        assert responses[2].status_code == 200
        assert SECRET_POST in text
    else:
        assert [r.status_code for r in responses[1:4]] == [404, 404, 404]
        assert SECRET_POST not in text
        assert post.pseudonym not in text
        write = api.post(f"/care/circles/{circle.pk}/posts", {"body": "intrusion"})
        assert write.status_code == 404
    for trace in _author_traces(world):
        assert trace not in text


def test_no_api_response_links_a_pseudonym_to_an_account(world):
    # given the author reading their own circle through every endpoint
    author = world["author"]
    api = api_client_for(author)
    circle = world["circle"]
    texts = [
        api.get(f"/care/circles/{circle.pk}/posts").json(),
        api.get(f"/care/circles/{circle.pk}").json(),
        api.get("/care/circles").json(),
    ]

    # then no response holds the author's member id, user id, name or email as a field
    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)
        else:
            yield key, value

    fields = [pair for text in texts for pair in walk(text)]
    assert not {k for k, _ in fields} & {"member", "member_id", "author", "user", "by"}
    values = {str(v) for _, v in fields}
    assert author.display_name not in values
    assert author.user.email not in values


def test_a_removed_member_loses_api_access_at_once(circle, facilitator, poster):
    api = api_client_for(poster)
    assert api.get(f"/care/circles/{circle.pk}/posts").status_code == 200
    services.membership_remove(
        actor=facilitator,
        membership=CircleMembership.objects.get(circle=circle, member=poster),
        reason="Asked to",
    )
    assert api.get(f"/care/circles/{circle.pk}/posts").status_code == 404


def test_posting_through_the_api_needs_the_agreement_and_is_idempotent(circle, facilitator):
    newcomer = MemberFactory(network=circle.network)
    api = api_client_for(newcomer)
    assert api.post(f"/care/circles/{circle.pk}/join").status_code == 201
    services.membership_accept(
        actor=facilitator,
        membership=CircleMembership.objects.get(circle=circle, member=newcomer),
    )
    refused = api.post(f"/care/circles/{circle.pk}/posts", {"body": "hi"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "agreement_required"

    assert api.post(f"/care/circles/{circle.pk}/agreement", {"version": 1}).status_code == 200
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post(f"/care/circles/{circle.pk}/posts", {"body": "hi"}, headers=key)
    again = api.post(f"/care/circles/{circle.pk}/posts", {"body": "hi"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Post.objects.filter(circle=circle).count() == 1


def test_flagging_twice_through_the_api_is_a_clear_409(circle, poster, facilitator):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    api = api_client_for(facilitator)
    url = f"/care/circles/{circle.pk}/posts/{post.pk}/flags"
    assert api.post(url, {"reason": "names someone"}).status_code == 201
    again = api.post(url, {"reason": "names someone"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_flagged"


def test_a_content_note_is_a_details_element_readers_open(circle, poster):
    services.post_create(
        actor=poster, circle=circle, body=SECRET_POST, content_note="mentions self-harm"
    )
    client = Client()
    client.force_login(poster.user)
    page = client.get(
        reverse("care:circle_detail", kwargs={"slug": circle.network.slug, "circle_id": circle.pk})
    ).content.decode()
    assert "<details><summary>Content note: mentions self-harm</summary>" in page


def test_the_footer_links_to_the_crisis_page_for_everyone(circle, client):
    assert 'href="/crisis/"' in client.get("/crisis/").content.decode()
    client.force_login(circle.network.members.first().user)
    page = client.get(reverse("care:circle_list", kwargs={"slug": circle.network.slug}))
    assert f'href="/n/{circle.network.slug}/crisis/"' in page.content.decode()


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (care_api.MembershipState, CircleMembership.State.values),
        (care_api.PostKind, Post.Kind.values),
        (care_api.ReactionKind, Reaction.Kind.values),
    ],
)
def test_the_api_lists_exactly_the_models_choices(literal, values):
    assert sorted(get_args(literal)) == sorted(values)


@pytest.mark.parametrize("role", sorted(set(ROLES) - INSIDE))
def test_outside_roles_cannot_invite_manage_members_or_change_settings(world, role):
    client = Client()
    client.force_login(world["people"][role].user)
    circle = world["circle"]
    base = f"/n/{circle.network.slug}/circles/{circle.pk}"
    target = CircleMembership.objects.get(circle=circle, member=world["author"])
    invitee = MemberFactory(network=circle.network)
    assert client.get(f"{base}/settings/").status_code in {302, 404}
    for path, data in [
        (f"{base}/invite/", {"member": invitee.pk}),
        (f"{base}/willing/", {"willing": "0"}),
        (f"{base}/settings/", {"name": "Taken", "retention_days": 0, "rotation_days": 9}),
        (f"{base}/members/{target.pk}/remove/", {"reason": "intrusion"}),
        (f"{base}/members/{target.pk}/pause/", {"reason": "intrusion"}),
    ]:
        assert client.post(path, data).status_code in {302, 404}
    circle.refresh_from_db()
    assert (circle.name, circle.rotation_days) == ("Grief circle", 30)
    assert not CircleMembership.objects.filter(member=invitee).exists()
    target.refresh_from_db()
    assert target.state == "active"


@pytest.mark.parametrize("role", sorted(set(ROLES) - INSIDE))
def test_the_new_api_operations_are_closed_to_outside_roles(world, role):
    api = api_client_for(world["people"][role])
    circle = world["circle"]
    target = CircleMembership.objects.get(circle=circle, member=world["author"])
    invitee = MemberFactory(network=circle.network)
    base = f"/care/circles/{circle.pk}"
    assert api.get(f"{base}/members").status_code == 404
    assert api.get(f"{base}/waiting").status_code == 404
    assert api.post(f"{base}/invitations", {"member_id": invitee.pk}).status_code == 404
    assert api.post(f"{base}/members/{target.pk}/remove", {"reason": "x"}).status_code == 404
    assert api.patch(f"{base}/settings", {"name": "Taken"}).status_code == 404
    assert api.post(f"{base}/willing", {"willing": False}).status_code == 404
    circle.refresh_from_db()
    assert circle.name == "Grief circle"
    assert not CircleMembership.objects.filter(member=invitee).exists()
    assert CircleMembership.objects.get(pk=target.pk).state == "active"
