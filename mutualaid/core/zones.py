"""A network's time zone: times are stored in UTC and shown and read in the network's zone."""

import zoneinfo
from typing import Protocol


class _Zoned(Protocol):
    @property
    def timezone(self) -> str: ...


UTC = zoneinfo.ZoneInfo("UTC")


def zone_of(network: _Zoned) -> zoneinfo.ZoneInfo:
    """The network's zone; UTC if its name is unknown to this machine's zone database."""
    try:
        return zoneinfo.ZoneInfo(network.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC
