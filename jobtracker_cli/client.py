"""A small HTTP client for the jobtracker API: unsigned on loopback, SigV4 elsewhere."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

DEFAULT_API_URL = "http://127.0.0.1:8000"
_EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")


def default_api_url(env: Any = os.environ) -> str:
    """The local stack's API: on API_PORT when that is set, as `make local` reads it."""
    port = env.get("API_PORT", "").strip()
    return f"http://127.0.0.1:{port}" if port.isdigit() and int(port) > 0 else DEFAULT_API_URL


class ApiError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error, never followed: urllib's default handler would send the
    signed headers (Authorization, X-Amz-Security-Token) to wherever Location points,
    another host included, and serve that host's answer as the API's. The API's routes
    never redirect, so one means the URL is wrong or something between is not the API."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        fp.close()
        raise ApiError(
            code,
            f"{req.full_url} answered {code} redirecting to {newurl}; "
            "jobtracker does not follow redirects: use the API's own URL",
        )


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def region_for(url: str, env: dict[str, str] | None = None) -> str | None:
    """The region to sign for: the execute-api host's, else the standard variables."""
    env = dict(os.environ) if env is None else env
    match = _EXECUTE_API_HOST.match(urlsplit(url).hostname or "")
    if match:
        return match.group(1)
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")


@dataclass
class ApiClient:
    base_url: str
    sign: bool
    region: str | None = None
    timeout: float = 30.0

    @classmethod
    def for_url(cls, base_url: str, region: str | None = None) -> ApiClient:
        sign = not is_loopback(base_url)
        return cls(base_url.rstrip("/"), sign=sign, region=region or region_for(base_url))

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        query = query_string([(k, v) for k, v in (params or {}).items() if v is not None])
        status, _, body = self.fetch(path + (f"?{query}" if query else ""))
        if status >= 400:
            raise ApiError(status, _message(body))
        return json.loads(body or b"null")

    def fetch(self, target: str) -> tuple[int, dict[str, str], bytes]:
        """GET `target` (path and query string): status, headers (by lowercase name) and
        body, as the API answered, errors included; ApiError only when it cannot be asked
        or answers with a redirect."""
        url = f"{self.base_url}{target}"
        headers = {"accept": "application/json"}
        if self.sign:
            headers = signed_headers(url, headers, self.region)
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return response.status, _by_name(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, _by_name(error.headers), error.read()
        except urllib.error.URLError as error:
            raise ApiError(0, f"cannot reach {self.base_url}: {error.reason}") from None


def query_string(pairs: list[tuple[str, str]]) -> str:
    """Encoded as SigV4's canonical form encodes (%20, not +): botocore signs the query as
    written, and API Gateway checks it against the canonical form."""
    return urlencode(pairs, quote_via=quote, safe="-_.~")


def signed_headers(url: str, headers: dict[str, str], region: str | None) -> dict[str, str]:
    """SigV4 for API Gateway (service execute-api), from the standard credential chain."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.session import Session

    if not region:
        raise ApiError(0, "no region to sign for: pass --region or set AWS_REGION")
    credentials = Session().get_credentials()
    if credentials is None:
        raise ApiError(0, "no AWS credentials found to sign the request (execute-api)")
    request = AWSRequest(method="GET", url=url, headers=headers)
    SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region).add_auth(request)
    return dict(request.headers.items())


def _by_name(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _message(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return body.decode(errors="replace")[:200]
    if isinstance(document, dict) and isinstance(document.get("message"), str):
        return document["message"]
    return str(document)[:200]
