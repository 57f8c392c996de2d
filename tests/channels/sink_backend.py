"""An email backend for the fault drill: a mail provider that records every attempt.

Each message's idempotency key (the X-Mutualaid-Delivery header, the same on every try of
one delivery) is appended to the sink file, one line per attempt, with O_APPEND so that
threads and processes never interleave. A provider de-duplicates by that key, so what a
member receives is the set of distinct keys; the drill counts attempts against it.
MUTUALAID_DRILL_SEND_MS makes each send take that long, as a real provider's call does."""

import os
import time
from collections.abc import Sequence

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class SinkBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        delay = int(os.environ.get("MUTUALAID_DRILL_SEND_MS", "0")) / 1000
        for message in email_messages:
            if delay:
                time.sleep(delay)
            key = message.extra_headers["X-Mutualaid-Delivery"]
            line = f"{key}\n".encode()
            fd = os.open(settings.MUTUALAID_DRILL_SINK, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        return len(email_messages)


def sink_counts(path: str) -> tuple[int, set[str]]:
    """(attempts, distinct keys) in a sink file."""
    try:
        with open(path) as sink:
            keys = [line.strip() for line in sink if line.strip()]
    except FileNotFoundError:
        return 0, set()
    return len(keys), set(keys)
