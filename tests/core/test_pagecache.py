"""The open-needs page is served from the cache only while nothing it shows has changed."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mutualaid.needs import services
from tests.factories import CategoryFactory, MemberFactory, NeedFactory


def _list(client: Client, network) -> str:
    response = client.get(reverse("needs:need_list", kwargs={"slug": network.slug}))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    return response.content.decode()


def _client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_a_new_need_shows_at_once_on_a_cached_list(
    network, requester, helper, django_capture_on_commit_callbacks
):
    # Given a helper who has just loaded the (now cached) list,
    client = _client(helper)
    assert "Fix my bike" not in _list(client, network)
    # when a neighbour posts a need and it commits,
    with django_capture_on_commit_callbacks(execute=True):
        services.need_create(
            actor=requester,
            category=CategoryFactory(network=network),
            description="Fix my bike",
            urgency="week",
            window_start=timezone.now(),
            window_end=timezone.now() + timedelta(days=2),
            cell=requester.cell,
        )
    # then the next load shows it.
    assert "Fix my bike" in _list(client, network)


def test_a_cached_page_is_never_served_to_another_session(network, helper, bystander):
    NeedFactory(requester=MemberFactory(network=network), description="Rides to the clinic")
    helper_client = _client(helper)
    first = _list(helper_client, network)
    # The same session gets the very same bytes back: a cache hit (a fresh render would mask
    # its CSRF token anew).
    assert _list(helper_client, network) == first
    # Another session renders its own page, with its own CSRF token.
    second = _list(_client(bystander), network)
    assert "Rides to the clinic" in second
    assert second != first


def test_a_profile_change_refreshes_the_cached_page(
    network, helper, django_capture_on_commit_callbacks
):
    # Distances on the list depend on the member's own neighbourhood, so a profile save,
    # like every service write, moves the network's version on.
    from mutualaid.core.pagecache import network_data_version

    before = network_data_version(network.slug)
    with django_capture_on_commit_callbacks(execute=True):
        from mutualaid.networks.services import member_update_profile

        member_update_profile(
            actor=helper,
            member=helper,
            display_name="Hugo",
            languages=["en"],
            skill_ids=[],
            free_tags=[],
            accessibility_needs="",
            cell=helper.cell,
            availability=[],
            weekly_task_cap=2,
            travel_radius_km=5,
            contact_preference="email",
            phone="",
        )
    assert network_data_version(network.slug) == before + 1


def test_a_revoked_token_is_refused_even_after_a_cached_answer(
    network, helper, django_capture_on_commit_callbacks
):
    from mutualaid.networks.services import api_token_create, api_token_revoke

    token, secret = api_token_create(actor=helper, name="phone")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    first = client.get("/api/v1/needs")
    assert first.status_code == 200
    assert client.get("/api/v1/needs").content == first.content  # answered from the cache
    with django_capture_on_commit_callbacks(execute=True):
        api_token_revoke(actor=helper, token=token)
    assert client.get("/api/v1/needs").status_code == 401


def test_a_new_need_shows_at_once_in_a_cached_api_list(
    network, requester, helper, django_capture_on_commit_callbacks
):
    from mutualaid.networks.services import api_token_create

    _token, secret = api_token_create(actor=helper, name="phone")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert b"Soup for two" not in client.get("/api/v1/needs").content
    with django_capture_on_commit_callbacks(execute=True):
        services.need_create(
            actor=requester,
            category=CategoryFactory(network=network),
            description="Soup for two",
            urgency="today",
            window_start=timezone.now(),
            window_end=timezone.now() + timedelta(days=1),
            cell=requester.cell,
        )
    assert b"Soup for two" in client.get("/api/v1/needs").content


def test_changing_the_password_signs_other_sessions_out_even_from_a_cached_page(network, helper):
    # Given a session whose list page (and sign-in check) is cached,
    client = _client(helper)
    _list(client, network)
    _list(client, network)
    # when the password changes elsewhere,
    helper.user.set_password("a brand new passphrase")
    helper.user.save()
    # then that old session is no longer let in.
    response = client.get(reverse("needs:need_list", kwargs={"slug": network.slug}))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_turned_off_account_is_not_served_the_cached_page(network, helper):
    client = _client(helper)
    _list(client, network)
    helper.user.is_active = False
    helper.user.save()
    response = client.get(reverse("needs:need_list", kwargs={"slug": network.slug}))
    assert response.status_code == 302


def test_made_up_query_strings_are_neither_cached_nor_answered_from_the_cache(network, helper):
    from django.core.cache import cache

    client = _client(helper)
    url = reverse("needs:need_list", kwargs={"slug": network.slug})
    client.get(url + "?page=1")
    keys_before = len(cache._cache)  # locmem in tests
    for n in range(5):
        assert client.get(f"{url}?page=1&junk={n}").status_code == 200
    assert len(cache._cache) == keys_before
