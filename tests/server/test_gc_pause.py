"""The cyclic collector is paused while a push works, and comes back on when the last push leaves."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from server.api import sync as sync_api
from server.services.gc_pause import PUSH_PAUSE, CollectorPause
from tests.server.world import new_id, op, push


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_stays_off_until_the_last_holder_leaves():
    pause = CollectorPause()
    first_in, second_left = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with pause.held():
            first_in.set()
            second_left.wait(timeout=10)
            seen.append(gc.isenabled())  # the other holder has left; this one still holds it

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(timeout=10)
    with pause.held():
        assert pause.holders == 2
        assert not gc.isenabled()
    second_left.set()
    thread.join(timeout=10)
    assert seen == [False]
    assert pause.holders == 0
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with CollectorPause().held():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_push_decodes_applies_and_answers_its_batch_with_the_collector_off(client, world, monkeypatch):
    seen: dict[str, list[bool]] = {}

    def watch(name: str) -> None:
        real = getattr(sync_api, name)

        def watched(*args, **kwargs):
            seen.setdefault(name, []).append(gc.isenabled())
            return real(*args, **kwargs)

        monkeypatch.setattr(sync_api, name, watched)

    for name in ("_read_batch", "push_operations", "push_answer"):
        watch(name)
    (result,) = push(client, world["alice"], op("employer", new_id()))
    assert result["status"] == "applied"
    assert seen == {"_read_batch": [False], "push_operations": [False], "push_answer": [False]}
    assert PUSH_PAUSE.holders == 0
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_refused_push_leaves_no_pause_behind(client, world):
    answer = client.post(
        "/api/v1/sync/push",
        content=b"not json",
        headers={**world["alice"].bearer, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert PUSH_PAUSE.holders == 0
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_objects_frozen_at_start_stay_frozen():
    """server.main.serving_app freezes the app's long-lived objects; a push must not unfreeze them."""
    kept = [["long-lived"]]  # a tracked object, frozen with everything else

    def collector_sees_it() -> bool:  # the frozen generation is not among those get_objects lists
        return any(item is kept[0] for item in gc.get_objects(generation=2))

    gc.freeze()
    try:
        assert not collector_sees_it()
        with CollectorPause().held():
            pass
        assert not collector_sees_it()
    finally:
        gc.unfreeze()
    assert collector_sees_it()


class Cycle(dict[str, object]):
    """Garbage only the cyclic collector frees: it holds itself (a dict subclass, so it can be weakly
    referenced)."""

    def __init__(self) -> None:
        super().__init__()
        self["me"] = self


@pytest.mark.usefixtures("collector_on")
def test_pushes_that_overlap_without_a_gap_still_collect_their_cycles():
    """Steady load: a push always in flight, so the pause is never released; a holder leaving
    after `longest` collects the cycles made meanwhile, one leaving sooner does not."""
    now = [100.0]
    pause = CollectorPause(longest=10.0, clock=lambda: now[0])
    before_limit, after_limit = pause.held(), pause.held()
    always_on = pause.held()
    always_on.__enter__()  # the push that stays in flight throughout
    before_limit.__enter__()
    cycle = Cycle()
    gone = weakref.ref(cycle)
    del cycle
    now[0] += 5.0
    before_limit.__exit__(None, None, None)
    assert gone() is not None  # within the pause's bound: nothing collected yet
    after_limit.__enter__()
    now[0] += 5.0
    after_limit.__exit__(None, None, None)
    assert gone() is None  # 10 s without a gap: collected although a push still holds the pause
    assert not gc.isenabled()
    always_on.__exit__(None, None, None)
    assert gc.isenabled()
