"""The walk over the tracked accounts and regions: one member's failure is its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st
from jobtracker.reconcile import ReconcileReport
from jobtracker.reconcile_walk import NOT_REACHED, label, places_to_walk, walk
from jobtracker.record import Place

HOME = Place("123456789012", "eu-west-1")
DENIED = Place("111111111111", "eu-west-1")
THROTTLED = Place("222222222222", "us-east-1")
FINE = Place("333333333333", "us-east-1")


@dataclass
class FakePlace:
    """A place's reconciler: how its run ends, and how far behind it is."""

    stopped: str | None = None
    watermark_ms: int | None = 1_000
    stored: int = 1
    log: list[str] = field(default_factory=list)
    name: str = ""

    def run(self, remaining_ms: Callable[[], int]) -> ReconcileReport:
        self.log.append(self.name)
        return ReconcileReport(
            stored=self.stored if self.stopped is None else 0,
            finished=self.stopped is None,
            stopped=self.stopped,
            watermark="2026-11-30T00:00:00.000Z",
        )

    def saved_watermark_ms(self) -> int | None:
        return self.watermark_ms


def places(log: list[str], **ends: FakePlace) -> list[tuple[Place, FakePlace]]:
    by_name = {"home": HOME, "denied": DENIED, "throttled": THROTTLED, "fine": FINE}
    result = []
    for name, fake in ends.items():
        fake.log, fake.name = log, name
        result.append((by_name[name], fake))
    return result


def forever() -> int:
    return 10**9


def test_a_denied_and_a_throttled_member_do_not_stop_the_others():
    # Given four places, two of which fail on their SageMaker
    log: list[str] = []
    walked = walk(
        HOME,
        places(
            log,
            home=FakePlace(),
            denied=FakePlace(stopped="SageMaker unavailable"),
            throttled=FakePlace(stopped="throttled"),
            fine=FakePlace(),
        ),
        forever,
    )
    # Then every place ran, the working ones stored their jobs
    assert sorted(log) == ["denied", "fine", "home", "throttled"]
    assert walked.places[HOME].stored == 1 and walked.places[FINE].stored == 1
    # And exactly the two failing members are counted, each named in the report
    assert sorted(walked.failed_members, key=label) == [DENIED, THROTTLED]
    report = walked.as_dict()
    assert report["member_failures"] == 2
    assert report["places"][label(DENIED)] == "SageMaker unavailable"
    assert report["places"][label(FINE)] == "done"
    assert report["stored"] == 2
    assert report["finished"] is False


def test_the_deadline_ends_the_walk_and_says_which_places_were_not_reached():
    log: list[str] = []
    walked = walk(
        HOME,
        places(
            log,
            home=FakePlace(watermark_ms=1),
            denied=FakePlace(watermark_ms=2, stopped="deadline"),
            fine=FakePlace(watermark_ms=3),
        ),
        forever,
    )
    assert log == ["home", "denied"]
    assert walked.places[FINE].stopped == NOT_REACHED
    # A deadline is nobody's failure
    assert walked.failed_members == []


def test_a_home_failure_is_not_a_member_failure():
    walked = walk(HOME, places([], home=FakePlace(stopped="throttled")), forever)
    assert walked.failed_members == []
    assert walked.as_dict()["stopped"] == f"{label(HOME)}: throttled"


@given(st.lists(st.one_of(st.none(), st.integers(0, 10**13)), min_size=1, max_size=4))
def test_the_places_most_behind_go_first(watermarks):
    # Given places with any saved watermarks (None: never reconciled)
    log: list[str] = []
    names = ["home", "denied", "throttled", "fine"][: len(watermarks)]
    fakes = {name: FakePlace(watermark_ms=w) for name, w in zip(names, watermarks, strict=True)}
    walk(HOME, places(log, **fakes), forever)
    # Then the order of the runs is the reference order: never reconciled, then oldest
    expected = sorted(
        names, key=lambda n: (fakes[n].watermark_ms is not None, fakes[n].watermark_ms or 0)
    )
    assert [fakes[name].watermark_ms for name in log] == [fakes[n].watermark_ms for n in expected]


def test_home_is_walked_first_and_each_place_once():
    member = Place("111111111111", "us-east-1")
    assert places_to_walk(HOME, [member, HOME, member]) == [HOME, member]
