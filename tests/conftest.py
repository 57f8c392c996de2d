import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from django.test import Client
from django.utils import translation
from huey.contrib.djhuey import HUEY

from tests.factories import MemberFactory, NeedFactory, NetworkFactory

SECRET_ADDRESS = "12 Secret Lane, Apt 3"
SECRET_PHONE = "+1 510 555 0199"


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests when DATABASE_URL is not PostgreSQL, unless CI demands it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if os.environ.get("MUTUALAID_REQUIRE_POSTGRES") == "1":
        pytest.exit("MUTUALAID_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL", returncode=1)
    skip = pytest.mark.skip(reason="needs DATABASE_URL pointing at PostgreSQL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 as in production, with tiny costs: the real ones take 100 MB and a noticeable
    pause per hash, by design, and tests make many users."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test on a file in a private temporary folder instead of in memory.

    An in-memory database is not shared between threads' connections, and the race tests need
    real concurrent connections with WAL and IMMEDIATE transactions, as in production. The
    folder is per test run, so runs side by side never touch each other's database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="mutualaid-tests-"))
    db.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _test_environment(settings):
    """Tasks run at once (after commit), caches are per test, email goes to mail.outbox,
    passwords hash fast."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PASSWORD_HASHERS = ["tests.conftest.CheapArgon2PasswordHasher"]
    settings.MUTUALAID_TASKS_IMMEDIATE = True
    HUEY.immediate = True
    # A request in Spanish leaves Spanish active in this thread; each test starts in English.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def network(db):
    return NetworkFactory()


@pytest.fixture
def requester(network):
    return MemberFactory(network=network, display_name="Rosa")


@pytest.fixture
def helper(network):
    return MemberFactory(network=network, display_name="Hugo")


@pytest.fixture
def bystander(network):
    return MemberFactory(network=network, display_name="Bea")


@pytest.fixture
def outsider(db):
    """A member of another network."""
    return MemberFactory(display_name="Olga")


@pytest.fixture
def need(requester):
    return NeedFactory(requester=requester, address=SECRET_ADDRESS, phone=SECRET_PHONE)


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database(request):
    """Run each race once per database; a variant runs only where the test database is it."""
    if connection.vendor != request.param:
        pytest.skip(f"this variant runs when the test database is {request.param}")
    return request.param
