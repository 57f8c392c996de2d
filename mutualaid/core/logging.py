"""A logging filter that keeps sensitive values out of every log line."""

import logging
import re

# Field names whose values must never be logged, in key=value, "key": value or key: value form.
# An unquoted value runs to the end of the line (or a `}` or `&`), not to the next comma:
# addresses have commas in them, and scrubbing too much is the safe mistake.
SENSITIVE_KEYS = ("address", "phone", "accessibility_needs", "password", "token", "notes")
_PATTERN = re.compile(
    r"(?P<key>[\"']?(?:" + "|".join(SENSITIVE_KEYS) + r")[\"']?\s*[:=]\s*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^}&\n]+)",
    re.IGNORECASE,
)


def scrub(text: str) -> str:
    return _PATTERN.sub(lambda m: m.group("key") + "[scrubbed]", text)


class ScrubSensitiveFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
