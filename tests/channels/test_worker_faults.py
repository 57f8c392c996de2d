"""The fault drill, as a test: real Huey consumers deliver 500 notifications while they are
SIGKILLed at random moments and started again; in the end every delivery is sent, once.

"Once" is the database's word: each Delivery row ends `sent`. The provider may have been
handed a message twice, when a kill fell between its send and the row being marked sent;
every try carries the delivery's idempotency key, and the provider (the sink backend, like a
real one) keeps one message per key. So the test asserts that every key reached the sink and
no other did, and reports how many attempts were repeats. See tests/channels/drill.py.
"""

import os
import socket
from urllib.parse import urlparse

import pytest

from tests.channels.drill import drill

REDIS_URL = os.environ.get("MUTUALAID_DRILL_REDIS", "redis://127.0.0.1:6379/15")
# Kills and restarts take seconds each on a shared 2-core machine: the limit is generous.
TIMEOUT_S = 150


def _redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def queue(request) -> str:
    if request.param == "sqlite":
        return ""
    if not _redis_reachable(REDIS_URL):
        if "1" in {
            os.environ.get("MUTUALAID_REQUIRE_REDIS"),
            os.environ.get("MUTUALAID_REQUIRE_POSTGRES"),
        }:
            pytest.fail(f"Redis is required here but {REDIS_URL} does not answer")
        pytest.skip(f"Redis at {REDIS_URL} does not answer")
    return REDIS_URL


def test_every_delivery_is_sent_once_however_often_the_worker_is_killed(queue, capsys):
    # given 500 notifications queued for a real consumer process
    # when the consumer is SIGKILLed at four random moments during the batch and restarted
    result = drill(notifications=500, kills=4, redis_url=queue, timeout=TIMEOUT_S)
    with capsys.disabled():
        print(
            f"\nfault drill ({result['queue']} queue): {result['attempts']} attempts for "
            f"{result['distinct_keys']} deliveries, {result['resent_attempts']} repeated after a "
            f"kill and dropped by key; {result['seconds']}s"
        )
    # then every row is sent, and the provider saw each delivery's key, and only those
    assert result["statuses"] == {"sent": 500}, result
    assert result["missing_keys"] == 0, result
    assert result["unknown_keys"] == 0, result
    assert result["every_delivery_sent_once"], result
    # and the kills really fell while the batch was being delivered
    assert result["kills_while_in_flight"] >= 3, result
    # a repeat needs a kill between a send and its mark: at most one per worker thread per kill
    assert result["resent_attempts"] <= 2 * len(result["kills"]), result
