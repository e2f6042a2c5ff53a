"""The local stack of `make local`, started once per session as `python -m local`.

A subprocess on ports the OS picks (API_PORT=0, AWS_PORT=0), with DEMO=0: it runs
beside a developer's own `make local` and beside other test sessions, and its
environment (AWS_ENDPOINT_URL above all) never leaks into the tests' own process.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


@dataclass
class LocalStack:
    api_url: str
    aws_endpoint: str
    output: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None

    def client(self, service: str, config: Config | None = None) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.aws_endpoint,
            region_name="us-east-1",
            aws_access_key_id="e2e",
            aws_secret_access_key="e2e",
            config=config,
        )

    def log(self) -> str:
        return "\n".join(self.output[-60:])


def _read_lines(process: subprocess.Popen[str], output: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line.rstrip("\n"))


def _wait_ready(process: subprocess.Popen[str], output: list[str]) -> LocalStack:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    api_url = aws_endpoint = None
    while time.monotonic() < deadline and process.poll() is None:
        for line in list(output):
            if match := re.match(r"AWS emulator\s+(http://\S+)", line):
                aws_endpoint = match.group(1)
            if match := re.match(r"API\s+(http://\S+)", line):
                api_url = match.group(1)
        if api_url and aws_endpoint:
            try:
                with urllib.request.urlopen(f"{api_url}/jobs", timeout=5) as response:
                    if response.status == 200:
                        return LocalStack(api_url, aws_endpoint, output)
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.2)
    tail = "\n".join(output[-40:])
    raise RuntimeError(f"the local stack did not become ready:\n{tail}")


def _address_space_limit(limit: int) -> Callable[[], None]:
    def limit_address_space() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return limit_address_space


@contextmanager
def running_local_stack(
    stop_signal: int = signal.SIGTERM,
    settings: dict[str, str] | None = None,
    max_memory_bytes: int | None = None,
) -> Iterator[LocalStack]:
    """Start `python -m local`, yield it once GET /jobs answers 200, then stop it.

    `settings`: the stack's own variables (RECONCILE_INTERVAL, ...) over the defaults here.
    `max_memory_bytes`: the stack's address space, for a test that may make it grow
    without bound: past the limit an allocation fails (MemoryError) instead of taking
    the machine's memory.
    """
    env = {
        **os.environ,
        "API_PORT": "0",
        "AWS_PORT": "0",
        "DEMO": "0",
        "RECONCILE_INTERVAL": "0",
        **(settings or {}),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
        "PYTHONUNBUFFERED": "1",
    }
    # The stack sets its own endpoint and credentials; none of the caller's may leak in.
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "TABLE_NAME"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=None if max_memory_bytes is None else _address_space_limit(max_memory_bytes),
    )
    output: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(process, output), daemon=True)
    reader.start()
    stack = None
    try:
        stack = _wait_ready(process, output)
        stack.process = process
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(stop_signal)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    with running_local_stack() as stack:
        yield stack
