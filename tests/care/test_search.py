"""Searching a circle through its blind index: members find threads by their words, the
database holds only keyed hashes, and the index goes with the post when retention ends."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mutualaid.care import search, selectors, services
from mutualaid.care.models import CircleMembership, PostSearchTerm
from mutualaid.cli import main
from tests.api.conftest import api_client_for
from tests.care.conftest import SECRET_POST, join
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def own(circle, member) -> CircleMembership:
    return CircleMembership.objects.get(circle=circle, member=member)


def found(circle, member, query: str) -> list[int]:
    return list(
        selectors.threads_matching(membership=own(circle, member), query=query).values_list(
            "pk", flat=True
        )
    )


def test_words_are_folded_for_case_and_accents():
    assert search.words("Años, AÑOS and naïve café x") == ["anos", "and", "naive", "cafe"]


def test_a_thread_is_found_by_every_word_of_its_post_or_a_reply(circle, poster, facilitator):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    services.reply_create(actor=facilitator, post=post, body="Grief keeps odd hours")
    other = services.post_create(actor=facilitator, circle=circle, body="Slept well at last")
    assert found(circle, poster, "FUNERAL slept") == [post.pk]  # both words in the post
    assert found(circle, poster, "odd hours") == [post.pk]  # a reply finds its thread
    assert set(found(circle, poster, "slept")) == {post.pk, other.pk}
    assert found(circle, poster, "funeral last") == []  # never across two posts
    assert found(circle, poster, "a") == []  # no searchable word


def test_a_content_note_is_searchable_too(circle, poster):
    post = services.post_create(
        actor=poster, circle=circle, body="A long night", content_note="mentions self-harm"
    )
    assert found(circle, poster, "self harm") == [post.pk]


def test_the_database_holds_hashes_only_and_they_differ_between_circles(
    circle, poster, facilitator
):
    services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    second = services.circle_create(actor=facilitator, name="Parents", agreement="Kind.")
    services.post_create(actor=facilitator, circle=second, body=SECRET_POST)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.circle_id, t.term FROM care_postsearchterm t"
            " JOIN care_post p ON p.id = t.post_id"
        )
        rows = cursor.fetchall()
    terms = [term for _circle, term in rows]
    assert not any(word in term for term in terms for word in search.words(SECRET_POST))
    by_circle = {c: {t for cid, t in rows if cid == c} for c in (circle.pk, second.pk)}
    assert by_circle[circle.pk]
    assert by_circle[second.pk]
    assert not by_circle[circle.pk] & by_circle[second.pk]


def test_a_hidden_post_is_not_found_by_others(circle, poster, facilitator):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    services.post_hide(actor=facilitator, post=post, reason="Against the agreement")
    assert found(circle, facilitator, "funeral") == []
    assert found(circle, poster, "funeral") == [post.pk]  # the author still sees their own


def test_retention_deletes_the_post_and_its_index_entries(circle, poster, monkeypatch):
    start = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: start)
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    assert PostSearchTerm.objects.filter(post=post).count() == len(search.words(SECRET_POST))
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=7))
    assert services.posts_expire_sweep() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM care_post")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT COUNT(*) FROM care_postsearchterm")
        assert cursor.fetchone()[0] == 0


def test_the_page_and_the_api_search_only_inside_the_circle(circle, poster, facilitator):
    services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    services.post_create(actor=facilitator, circle=circle, body="Bread on Tuesday")
    url = reverse(
        "care:circle_detail", kwargs={"slug": circle.network.slug, "circle_id": circle.pk}
    )
    client = Client()
    client.force_login(poster.user)
    page = client.get(url, {"q": "funeral"}).content.decode()
    assert SECRET_POST in page
    assert "Bread on Tuesday" not in page
    assert "No thread holds all of these words." in client.get(url, {"q": "zebra"}).content.decode()
    body = api_client_for(poster).get(f"/care/circles/{circle.pk}/posts?q=bread").json()
    assert [thread["body"] for thread in body] == ["Bread on Tuesday"]
    # a member of the network outside the circle searches nothing
    outsider = MemberFactory(network=circle.network)
    assert (
        api_client_for(outsider).get(f"/care/circles/{circle.pk}/posts?q=bread").status_code == 404
    )


def test_a_member_who_joins_later_finds_earlier_posts(circle, poster, facilitator):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    late = MemberFactory(network=circle.network)
    join(circle, late, facilitator)
    assert found(circle, late, "funeral") == [post.pk]


def test_reindex_after_a_key_change_makes_earlier_posts_searchable_again(circle, poster, settings):
    post = services.post_create(actor=poster, circle=circle, body=SECRET_POST)
    settings.PSEUDONYM_KEY = "a-new-key"
    assert found(circle, poster, "funeral") == []  # the old hashes no longer match
    result = CliRunner().invoke(main, ["care", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Posts indexed: 1" in result.output
    assert found(circle, poster, "funeral") == [post.pk]
