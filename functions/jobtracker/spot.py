"""A managed spot job's interruptions: which one a snapshot reports, and its number.

SageMaker marks each loss of spot capacity with a secondary transition `Interrupted`,
then starts the job again. A snapshot whose current secondary status is `Interrupted`
reports the last of them; its number is its place among the job's interruptions, read
from the snapshot's own full history, so a late, early or repeated copy of that event
names the same interruption with the same number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from jobtracker.names import IN_PROGRESS, STOPPING
from jobtracker.record import Transition
from jobtracker.timestamps import iso_from_ms

INTERRUPTED = "Interrupted"


class Interruption(NamedTuple):
    number: int  # 1 for the job's first interruption
    start_ms: int

    @property
    def episode(self) -> str:
        """Names this interruption in its alert claim: its transition's start."""
        return iso_from_ms(self.start_ms)

    @property
    def ordinal(self) -> str:
        """`1st`, `2nd`, `3rd`, `4th`, ..., `11th`, `12th`, `13th`, `21st`."""
        n = self.number
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"


def reported_interruption(
    status: str, secondary_status: str | None, transitions: Sequence[Transition]
) -> Interruption | None:
    """The interruption a snapshot in this state reports, or None.

    Only a snapshot of a job in flight that is interrupted right now reports one: every
    later snapshot of the job still lists it, and claiming it from each of them would
    cost a request per event for the rest of the job's life. A job that ended Stopped
    with `Interrupted` is the `Interrupted` kind's, an outcome, not this.
    """
    if status not in (IN_PROGRESS, STOPPING) or secondary_status != INTERRUPTED:
        return None
    starts = [t.start_ms for t in transitions if t.status == INTERRUPTED]
    if not starts:
        return None
    return Interruption(number=len(starts), start_ms=starts[-1])
