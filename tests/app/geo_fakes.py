"""A geocoder for tests: answers from a dict, can be 'offline', counts its calls. Never the network."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float


class GeocoderOffline(Exception):
    """What a geopy geocoder raises with no network."""


@dataclass
class FakeGeocoder:
    places: dict[str, tuple[float, float]] = field(default_factory=dict)
    online: bool = True
    calls: list[str] = field(default_factory=list)

    def geocode(self, query: str, *args: object, **kwargs: object) -> Place | None:
        self.calls.append(query)
        if not self.online:
            raise GeocoderOffline("no network")
        point = self.places.get(query)
        return Place(*point) if point is not None else None
