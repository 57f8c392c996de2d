"""Pseudonyms for circles: stable within a circle, different across circles.

HMAC-SHA256 of (circle id, member id, attempt) under settings.PSEUDONYM_KEY picks an adjective
and an animal. Without the key, a pseudonym cannot be traced back to the member; the key never
leaves the server's environment.
"""

import hashlib
import hmac

from django.conf import settings

ADJECTIVES = (
    "Quiet Gentle Bright Steady Warm Patient Brave Calm Kind Soft Tender Hopeful Still "
    "Golden Silver Amber Misty Sunny Rainy Mossy Wild Swift Humble Honest Curious Dreamy "
    "Velvet Cedar Willow Autumn Winter Spring Summer Dawn Dusk Starlit Moonlit Coastal "
    "Meadow River"
).split()
ANIMALS = (
    "Heron Otter Wren Fox Badger Finch Robin Hare Deer Owl Sparrow Swan Crane Lark Seal "
    "Turtle Dove Bee Moth Salmon Beaver Marten Lynx Bison Egret Kestrel Plover Puffin "
    "Starling Thrush Vole Weasel Whale Dolphin Koala Panda Yak Ibis Quail Newt"
).split()


def pseudonym_for(*, circle_id: int, member_id: int, attempt: int = 0) -> str:
    key = str(settings.PSEUDONYM_KEY).encode()
    message = f"{circle_id}:{member_id}:{attempt}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    name = f"{ADJECTIVES[digest[0] % len(ADJECTIVES)]} {ANIMALS[digest[1] % len(ANIMALS)]}"
    return name if attempt == 0 else f"{name} {attempt + 1}"
