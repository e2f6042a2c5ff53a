"""A loop on its own thread that polls until stopped: the worker, the alert printer."""

from __future__ import annotations

import threading
import traceback


class PollingThread:
    """Calls `poll_once` until `stop()`; an error is printed and the loop goes on."""

    thread_name = "poller"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def poll_once(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # the emulator going away at shutdown, or a bug: go on
                if self._stop.is_set():
                    return
                traceback.print_exc()
                self._stop.wait(1)
