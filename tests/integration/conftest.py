from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.fixtures.ingest_stack import IngestStack, ingest_stack


@pytest.fixture
def moto_ingest(monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestStack]:
    """The ingest handler under moto, alerting on the default kinds."""
    with mock_aws(), ingest_stack(monkeypatch) as given:
        yield given
