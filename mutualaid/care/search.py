"""Searching a circle's posts without keeping their words.

Post bodies are encrypted at rest, so an ordinary full-text index would put every word back
into the database in the clear. Each post keeps a blind index instead: one keyed hash per
distinct word of its body and content note. A search hashes its words the same way and finds
the posts that hold all of them. A database dump shows only hashes; without the key they
cannot be turned back into words, and the circle is part of what is hashed, so the same word
hashes differently in two circles.

What the hashes still tell someone with a dump: which posts of one circle share a word. That
is less than the post's length and time, which the dump shows anyway.

The key is derived from MUTUALAID_PSEUDONYM_KEY (settings.PSEUDONYM_KEY). Changing that key
makes earlier posts unsearchable, never readable.
"""

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

MIN_WORD = 2
MAX_WORD = 40
MAX_TERMS_PER_POST = 400
MAX_QUERY_WORDS = 8
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Distinct words, lower-case with accents folded ("Años" and "anos" are one word), in the
    order they first appear."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    seen: dict[str, None] = {}
    for word in _WORD.findall(plain):
        if MIN_WORD <= len(word) <= MAX_WORD:
            seen.setdefault(word, None)
    return list(seen)


def _key() -> bytes:
    return hmac.new(
        str(settings.PSEUDONYM_KEY).encode(), b"mutualaid.care.search", hashlib.sha256
    ).digest()


def term(*, circle_id: int, word: str) -> str:
    message = f"{circle_id}:{word}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()[:32]


def terms_for(*, circle_id: int, texts: list[str]) -> list[str]:
    """The blind index of a post: a hash per distinct word of its texts."""
    found = words(" ".join(t for t in texts if t))
    return [term(circle_id=circle_id, word=w) for w in found[:MAX_TERMS_PER_POST]]


def query_terms(*, circle_id: int, query: str) -> list[str]:
    """The hashes a search looks for: every word of the query must be in the post."""
    return [term(circle_id=circle_id, word=w) for w in words(query)[:MAX_QUERY_WORDS]]
