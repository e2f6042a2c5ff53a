"""The console of `make local`: what the stack says, without CloudWatch's EMF lines."""

from __future__ import annotations

import json
import re
import sys
import threading
import warnings
from typing import Any, TextIO

EMF_PREFIX = '{"_aws"'
# C0, DEL and C1: what makes a terminal start a line (CR, LF, NEL), move its cursor or
# recolour it (ESC). Unicode's line and paragraph separators start a line in some viewers.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
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


def printable(text: str) -> str:
    """`text` as one line on the console, its control characters escaped (`\\r`, `\\n`,
    `\\x1b`): a request's path or a logged value cannot print a line of its own
    (`%0D%0AX-Injected: yes`) nor move the cursor over what was printed."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


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
    text = printable(f"{entry.get('level', 'LOG')} {entry.get('message', '')}")
    text += f" ({printable(facts)})" if facts else ""
    exception = entry.get("exception")
    if not isinstance(exception, str):
        return text
    # A traceback is lines of its own, each escaped.
    return "\n".join([text, *(printable(line) for line in exception.split("\n"))])


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
                line = readable_log_line(line) if line.startswith(LOG_PREFIX) else printable(line)
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
    """Print one line of the console's own, whatever it quotes (paths, names, reasons)."""
    print(printable(line), flush=True)
