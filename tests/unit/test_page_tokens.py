"""Page tokens: opaque, authenticated, bound to their query."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobtracker.tokens import Cursor, InvalidToken, PageTokens, TokenKey

KEY = b"unit-test-key-0123456789"
TOKENS = PageTokens(lambda: KEY)
QUERY = '["Failed", null, null, null, null]'
CURSOR = Cursor("Failed", "2026-11-01T00:00:00.000Z#xgboost-00001")


def test_a_token_opens_to_its_cursor() -> None:
    assert TOKENS.open(TOKENS.issue(QUERY, CURSOR), QUERY) == CURSOR
    start = Cursor("2026-11", None)
    assert TOKENS.open(TOKENS.issue(QUERY, start), QUERY) == start


def test_a_token_is_url_safe_and_shows_no_key() -> None:
    token = TOKENS.issue(QUERY, CURSOR)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert KEY.decode() not in base64.urlsafe_b64decode(token + "==").decode("latin-1")


def test_a_token_from_another_query_is_refused() -> None:
    token = TOKENS.issue(QUERY, CURSOR)
    with pytest.raises(InvalidToken, match="another query"):
        TOKENS.open(token, '["Completed", null, null, null, null]')


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = PageTokens(lambda: b"another-key-0123456789").issue(QUERY, CURSOR)
    with pytest.raises(InvalidToken, match="not issued by this API"):
        TOKENS.open(token, QUERY)


@settings(max_examples=300)
@given(position=st.integers(0, 10_000), flip=st.integers(1, 255))
def test_any_altered_byte_is_refused(position: int, flip: int) -> None:
    # Given a valid token with one byte of its content altered
    blob = bytearray(base64.urlsafe_b64decode(TOKENS.issue(QUERY, CURSOR) + "=="))
    blob[position % len(blob)] ^= flip
    tampered = base64.urlsafe_b64encode(bytes(blob)).decode().rstrip("=")
    # Then it is refused
    with pytest.raises(InvalidToken):
        TOKENS.open(tampered, QUERY)


@given(cut=st.integers(1, 200))
def test_a_truncated_token_is_refused(cut: int) -> None:
    token = TOKENS.issue(QUERY, CURSOR)
    with pytest.raises(InvalidToken):
        TOKENS.open(token[: max(0, len(token) - cut)] or "A", QUERY)


@settings(max_examples=300)
@given(text=st.text(max_size=3000))
def test_any_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidToken):
        TOKENS.open(text or "x", QUERY)


def test_a_forged_payload_without_the_key_is_refused() -> None:
    payload = b'{"v":1,"q":"x","p":"Failed","a":null}'
    forged = base64.urlsafe_b64encode(b"\0" * 32 + payload).decode().rstrip("=")
    with pytest.raises(InvalidToken, match="not issued"):
        TOKENS.open(forged, QUERY)


class FakeSecrets:
    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response
        self.calls: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        self.calls.append(SecretId)
        return self.response


def test_a_secret_key_is_read_once_and_only_when_needed() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:page-key"
    secrets = FakeSecrets({"SecretString": "secret-key-from-manager-0123"})
    key = TokenKey(secret_arn=arn, client=secrets)
    assert secrets.calls == []
    assert key() == b"secret-key-from-manager-0123"
    assert key() == b"secret-key-from-manager-0123"
    assert secrets.calls == [arn]


def test_a_short_secret_is_an_error() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:page-key"
    with pytest.raises(ValueError, match="at least 16"):
        TokenKey(secret_arn=arn, client=FakeSecrets({"SecretString": "short"}))()
