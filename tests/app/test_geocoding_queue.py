"""The geocoding queue: an employer saved offline with an address gets its map location later, when
online; nothing waits for the geocoder, and no test touches the network (a fake geocoder)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.domain.records import Employer
from app.geo import CachedGeocoder, default_geocoder
from app.geocoding import GeocodeQueue, needs_location, run_when_online
from app.state.employers import EmployerFormState
from tests.app.geo_fakes import FakeGeocoder, GeocoderOffline

QUAY = "1 Quay St, Kendal"
QUAY_POINT = (54.3280, -2.7460)


async def inline(fn: Any, *args: Any) -> Any:
    return fn(*args)  # tests run lookups on the loop; the app uses a worker thread


def queue_for(service, geocoder) -> GeocodeQueue:
    return GeocodeQueue(service, geocoder, run_lookup=inline)


def employer(service, **fields) -> Employer:
    stored = service.save(Employer(name=fields.pop("name", "Harbour Bakery"), **fields))
    loaded = service.load("employer", stored.data["id"])
    assert isinstance(loaded, Employer)
    return loaded


def test_saving_an_employer_offline_never_calls_the_geocoder_and_queues_it(service):
    geocoder = FakeGeocoder(online=False)
    form = EmployerFormState(service, geocoder=geocoder)
    form.set_field("name", "Harbour Bakery")
    form.set_field("address", QUAY)
    assert form.on_save().ok and geocoder.calls == []
    assert [e.name for e in queue_for(service, geocoder).pending()] == ["Harbour Bakery"]


def test_what_needs_a_location():
    assert needs_location(Employer(name="a", address=QUAY))
    assert not needs_location(Employer(name="a"))  # nothing to look up
    assert not needs_location(Employer(name="a", address=QUAY, latitude=1.0, longitude=2.0))  # by hand
    stale = Employer(name="a", address="9 Market Sq", latitude=1.0, longitude=2.0, geocoded_address=QUAY)
    assert needs_location(stale)  # e.g. another phone's address edit merged with this point


def test_offline_the_pass_stops_saves_nothing_and_tries_again_when_online(service, store):
    bakery = employer(service, address=QUAY)
    geocoder = FakeGeocoder({QUAY: QUAY_POINT}, online=False)
    queue = queue_for(service, geocoder)
    outbox_before = store.pending_count()

    offline = asyncio.run(queue.run_pass())
    assert offline.unavailable and offline.located == 0 and offline.remaining == 1
    assert store.pending_count() == outbox_before

    geocoder.online = True
    online = asyncio.run(queue.run_pass())
    assert (online.located, online.remaining, online.unavailable) == (1, 0, False)
    located = service.load("employer", bakery.id)
    assert isinstance(located, Employer)
    assert (located.latitude, located.longitude, located.geocoded_address) == (*QUAY_POINT, QUAY)
    synced_later = store.get("employer", bakery.id)
    assert synced_later is not None and synced_later.sync.state == "pending"  # the point goes to the team


def test_an_unknown_address_is_not_asked_again_until_it_changes(service):
    bakery = employer(service, address="Nowhere Lane")
    geocoder = FakeGeocoder({QUAY: QUAY_POINT})
    queue = queue_for(service, geocoder)
    assert asyncio.run(queue.run_pass()).unknown == 1
    assert asyncio.run(queue.run_pass()).unknown == 0 and geocoder.calls == ["Nowhere Lane"]

    service.save(Employer(**{**bakery.__dict__, "address": QUAY}))  # type: ignore[arg-type]
    assert asyncio.run(queue.run_pass()).located == 1


def test_an_answer_for_an_address_edited_during_the_lookup_is_dropped(service):
    bakery = employer(service, address=QUAY)

    class EditsWhileLooking(FakeGeocoder):
        def geocode(self, query: str, *args: object, **kwargs: object) -> Any:
            current = service.load("employer", bakery.id)
            service.save(Employer(**{**current.__dict__, "address": "9 Market Sq"}))
            return super().geocode(query)

    result = asyncio.run(queue_for(service, EditsWhileLooking({QUAY: QUAY_POINT})).run_pass())
    assert (result.located, result.stale) == (0, 1)
    moved = service.load("employer", bakery.id)
    assert isinstance(moved, Employer) and moved.latitude is None and moved.address == "9 Market Sq"


def test_a_pass_is_bounded_and_the_rest_wait_for_the_next(service):
    for n in range(5):
        employer(service, name=f"Shop {n}", address=f"{n} High St")
    geocoder = FakeGeocoder({f"{n} High St": (54.0 + n / 100, -2.7) for n in range(5)})
    first = asyncio.run(queue_for(service, geocoder).run_pass(limit=2))
    assert (first.located, first.remaining) == (2, 3)


def test_the_queue_runs_at_start_and_after_each_successful_sync_pass(service):
    employer(service, address=QUAY)
    geocoder = FakeGeocoder({QUAY: QUAY_POINT}, online=False)
    queue = queue_for(service, geocoder)

    class Sync:
        listeners: list[Any] = []

        def subscribe(self, listener):
            self.listeners.append(listener)
            return lambda: self.listeners.remove(listener)

    async def scenario() -> None:
        sync = Sync()
        stop = run_when_online(queue, sync)
        await asyncio.sleep(0)  # the start pass: offline
        assert geocoder.calls == [QUAY] and queue.pending()
        geocoder.online = True
        sync.listeners[0]("status")  # not a finished pass: nothing
        await asyncio.sleep(0)
        assert len(geocoder.calls) == 1
        sync.listeners[0]("pass_done")
        await asyncio.sleep(0)
        assert queue.pending() == []
        stop()
        assert sync.listeners == []

    asyncio.run(scenario())


def test_the_cache_answers_a_repeated_address_without_asking_and_forgets_failures():
    asked: list[str] = []
    answers: dict[str, Any] = {"1 quay st": None}

    def lookup(query: str) -> Any:
        asked.append(query)
        if query == "offline":
            raise GeocoderOffline("no network")
        return answers.get(query.casefold(), "somewhere")

    cache = CachedGeocoder(lookup, size=2)
    assert cache.geocode("1 Quay St") is None and cache.geocode("1  QUAY st ") is None  # unknown, cached
    with pytest.raises(GeocoderOffline):
        cache.geocode("offline")
    with pytest.raises(GeocoderOffline):
        cache.geocode("offline")  # a failure is asked again
    cache.geocode("a")
    cache.geocode("b")  # size 2: "1 quay st" is forgotten
    cache.geocode("1 Quay St")
    assert asked == ["1 Quay St", "offline", "offline", "a", "b", "1 Quay St"]


def test_the_default_geocoder_is_nominatim_with_our_user_agent_rate_limited_and_raising():
    geocoder = default_geocoder("fieldwork-test/1.0 (ops@example.org)")  # builds only; no request
    limiter = geocoder._lookup
    nominatim = limiter.func.__self__
    assert type(nominatim).__name__ == "Nominatim"
    assert nominatim.headers["User-Agent"] == "fieldwork-test/1.0 (ops@example.org)"
    assert limiter.min_delay_seconds == 1.0 and limiter.swallow_exceptions is False
