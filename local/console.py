"""The console of `make local`: what the stack says, without CloudWatch's EMF lines."""

from __future__ import annotations

import sys
import threading
import warnings
from typing import Any, TextIO

EMF_PREFIX = '{"_aws"'


class WithoutMetricLines:
    """A stdout that drops the embedded-metric-format lines Powertools Metrics prints.

    In Lambda those lines become CloudWatch metrics; on a terminal they are noise.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                if not line.startswith(EMF_PREFIX):
                    self._stream.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install(metrics: bool = False) -> None:
    """Drop the metric lines from stdout, unless `metrics` (someone asked for them)."""
    if not metrics and not isinstance(sys.stdout, WithoutMetricLines):
        sys.stdout = WithoutMetricLines(sys.stdout)  # type: ignore[assignment]
    # A batch whose every record failed has no metric to publish; Powertools warns.
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def say(line: str = "") -> None:
    print(line, flush=True)
