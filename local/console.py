"""The console of `make local`: what the stack says, without CloudWatch's EMF lines."""

from __future__ import annotations

import json
import sys
import threading
import warnings
from typing import Any, TextIO

EMF_PREFIX = '{"_aws"'
LOG_PREFIX = '{"level"'
# What every Powertools log line carries about the invocation, not about what happened.
_CONTEXT_KEYS = frozenset(
    {
        "level",
        "message",
        "location",
        "timestamp",
        "service",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
        "sampling_rate",
        "exception",
        "exception_name",
        "stack_trace",
    }
)


def readable_log_line(line: str) -> str:
    """A Powertools JSON log line as a line a person reads: level, message, then the
    facts of the entry (job, reason, ids); the traceback, if any, below it."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict):
        return line
    facts = ", ".join(f"{k}={v}" for k, v in entry.items() if k not in _CONTEXT_KEYS)
    text = f"{entry.get('level', 'LOG')} {entry.get('message', '')}"
    text += f" ({facts})" if facts else ""
    exception = entry.get("exception")
    return f"{text}\n{exception}" if isinstance(exception, str) else text


class WithoutMetricLines:
    """A stdout that drops the embedded-metric-format lines Powertools Metrics prints,
    and prints each Powertools JSON log line as one readable line.

    In Lambda those lines become CloudWatch metrics and searchable logs; on a terminal
    they are noise.
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
                if line.startswith(LOG_PREFIX):
                    line = readable_log_line(line)
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
