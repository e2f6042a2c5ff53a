"""Page tokens: opaque, authenticated positions in one query's result order.

A token is base64url(tag || payload) without padding, where payload is compact JSON
`{"v": 1, "q": <query digest>, "p": <partition>, "a": <last sort key or null>}` and tag is
HMAC-SHA256(key, payload). The tag is checked (in constant time) before the payload is
parsed, so nothing a client made up is ever decoded further, let alone sent to
DynamoDB; the query digest ties a token to the filters it was issued for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from jobtracker.config import MIN_KEY_BYTES
from jobtracker.errors import InvalidQuery

VERSION = 1
MAX_TOKEN_CHARS = 2048
_TAG_BYTES = hashlib.sha256().digest_size
_TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_MAX_FIELD_CHARS = 1024


class InvalidToken(InvalidQuery):
    """next_token is damaged, altered, made up, or belongs to another query."""


class Cursor(NamedTuple):
    """Where a page ended: the index partition and the sort key of its last item.

    `after` is None when the next page starts at the top of `partition`.
    """

    partition: str
    after: str | None


class PageTokens:
    def __init__(self, key: Callable[[], bytes]) -> None:
        self._key = key

    def issue(self, query_fingerprint: str, cursor: Cursor) -> str:
        payload = json.dumps(
            {
                "v": VERSION,
                "q": _digest(query_fingerprint),
                "p": cursor.partition,
                "a": cursor.after,
            },
            separators=(",", ":"),
        ).encode()
        token = base64.urlsafe_b64encode(self._tag(payload) + payload).decode()
        return token.rstrip("=")

    def open(self, token: str, query_fingerprint: str) -> Cursor:
        """The cursor inside a token this API issued for this query, or InvalidToken."""
        blob = _decode(token)
        tag, payload = blob[:_TAG_BYTES], blob[_TAG_BYTES:]
        if not payload or not hmac.compare_digest(tag, self._tag(payload)):
            raise InvalidToken("next_token was not issued by this API, or was altered")
        fields = _fields(payload)
        if fields["q"] != _digest(query_fingerprint):
            raise InvalidToken(
                "next_token belongs to another query: send it with the filters of the "
                "request that returned it"
            )
        return Cursor(partition=fields["p"], after=fields["a"])

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self._key(), payload, hashlib.sha256).digest()


def _digest(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:32]


def _decode(token: str) -> bytes:
    if len(token) > MAX_TOKEN_CHARS or not _TOKEN_ALPHABET.fullmatch(token):
        raise InvalidToken("next_token is not a token this API issued")
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("next_token is not a token this API issued") from None


def _fields(payload: bytes) -> dict[str, Any]:
    """The payload's fields, typed; a payload that passed the tag check is ours, but a key
    rotation or a change of format must still end in a 400, never a 500."""
    try:
        fields = json.loads(payload)
    except ValueError:
        fields = None
    if (
        not isinstance(fields, dict)
        or fields.get("v") != VERSION
        or not isinstance(fields.get("q"), str)
        or not _short_text(fields.get("p"))
        or not (fields.get("a") is None or _short_text(fields.get("a")))
    ):
        raise InvalidToken("next_token is from an incompatible version of this API")
    return fields


def _short_text(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_FIELD_CHARS


class TokenKey:
    """The HMAC key: given (local, dev) or read from Secrets Manager once, on first use.

    Reading lazily keeps the network off the import path and out of requests that
    neither take nor give a token.
    """

    def __init__(
        self, key: bytes | None = None, secret_arn: str | None = None, client: Any = None
    ) -> None:
        if (key is None) == (secret_arn is None):
            raise ValueError("give exactly one of key and secret_arn")
        self._key = key
        self._secret_arn = secret_arn
        self._client = client

    def __call__(self) -> bytes:
        if self._key is None:
            self._key = self._read_secret()
        return self._key

    def _read_secret(self) -> bytes:
        client = self._client
        if client is None:
            from botocore.config import Config

            from jobtracker.clients import new_client

            client = new_client("secretsmanager", Config(retries={"mode": "standard"}))
        response = client.get_secret_value(SecretId=self._secret_arn)
        secret = response.get("SecretBinary") or response.get("SecretString", "")
        key = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(
                f"secret {self._secret_arn} holds {len(key)} bytes; a page-token key needs "
                f"at least {MIN_KEY_BYTES}"
            )
        return key
