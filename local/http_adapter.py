"""Serve the api handler over real HTTP, as API Gateway's HTTP API (payload v2) does.

Each request becomes an HTTP API v2 event, its path decoded as HTTP API decodes it; the
handler's response becomes the HTTP response. Routing stays with the handler's router:
the local API has one `$default` route, so `routeKey` is `$default` and there are no
`pathParameters`. The server answers only requests addressed to 127.0.0.1 or localhost,
as `jobtracker ui` does, and its own refusals in JSON, as the API's.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from jobtracker_cli.ui import WRONG_HOST, addressed_to_loopback
from local.console import printable
from local.worker import lambda_context

FUNCTION_NAME = "jobtracker-local-api"
API_ID = "local"
ACCOUNT_ID = "123456789012"

Handler = Callable[[dict[str, Any], Any], Any]
# The server's own answers (a refused Host or method, a request too large to read, the
# integration failing), as the api function's: JSON, never sniffed as another type.
JSON_HEADERS = (("content-type", "application/json"), ("x-content-type-options", "nosniff"))


def http_api_event(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The HTTP API v2 event of one request (`target` is the path and query as sent)."""
    now = now or datetime.now(UTC)
    parts = urlsplit(target)
    # HTTP API decodes the path before it routes it and passes it on decoded, in rawPath
    # and http.path alike ("API Gateway decodes URL-encoded request parameters before
    # passing them to your backend integration": Amazon API Gateway developer guide,
    # "Create routes for HTTP APIs"); REST APIs and function URLs keep the encoding. The
    # query string stays as sent in rawQueryString, decoded in queryStringParameters.
    path = unquote(parts.path) or "/"
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        # API Gateway joins repeated headers, and repeated query parameters, with commas.
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    host = merged.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": parts.query,
        "headers": merged,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def http_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a handler's result, read as API Gateway reads it.

    A dict without `statusCode` (or any other value) is, for payload v2, a 200 whose
    body is that value as JSON.
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        text = result if isinstance(result, str) else json.dumps(result)
        return 200, [("content-type", "application/json")], text.encode()
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("set-cookie", cookie) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    return int(result["statusCode"]), headers, body


def readable_path(path: str) -> str:
    """The request's path for the console: decoded, its page token cut to `...`, its
    control characters escaped (a decoded %0D%0A would print a line of its own).

    A token is ~200 characters of base64 that says nothing to a reader.
    """
    route, _, query = path.partition("?")
    if not query:
        return printable(unquote(route))
    params = [
        (name, "..." if name == "next_token" else value)
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return printable(unquote(route) + "?" + "&".join(f"{name}={value}" for name, value in params))


class ApiServer:
    """A ThreadingHTTPServer on its own thread; `stop()` shuts it down."""

    def __init__(
        self,
        host: str,
        port: int,
        handler: Handler,
        region: str,
        report: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.handler = handler
        self.region = region
        self.report = report
        self._server = ThreadingHTTPServer((host, port), self._request_handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="api-http", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def invoke(self, event: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        try:
            return http_response(self.handler(event, lambda_context(FUNCTION_NAME, self.region)))
        except Exception:
            # What API Gateway answers when the integration fails.
            traceback.print_exc()
            body = json.dumps({"message": "Internal Server Error"}).encode()
            return 500, list(JSON_HEADERS), body

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def _request_handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                if not addressed_to_loopback(self.headers.get("host"), api.port):
                    # As `jobtracker ui` refuses it: a page on another site whose name
                    # resolves to 127.0.0.1 must not read the local API.
                    self._reply_json(403, WRONG_HOST)
                    return
                started = time.monotonic()
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                event = http_api_event(
                    self.command,
                    self.path,
                    list(self.headers.items()),
                    body,
                    self.client_address[0],
                )
                status, headers, payload = api.invoke(event)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.send_header("apigw-requestid", event["requestContext"]["requestId"])
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                elapsed_ms = (time.monotonic() - started) * 1000
                api.report(
                    f"api: {self.command} {readable_path(self.path)} -> {status} "
                    f"({elapsed_ms:.0f} ms)"
                )

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def __getattr__(self, name: str) -> Any:
                # http.server answers a method it has no do_<METHOD> for (TRACE, PROPFIND,
                # a lowercase get) with its own HTML 501; the API answers in JSON.
                if name.startswith("do_"):
                    return self._refuse_method
                raise AttributeError(name)

            def _refuse_method(self) -> None:
                # The request's body, if any, is not read: the connection cannot be reused.
                self.close_connection = True
                message = f"method {self.command[:40]!r} is not allowed; the API answers GET"
                self._reply_json(405, message, (("allow", "GET"), ("connection", "close")))

            def send_error(
                self, code: int, message: str | None = None, explain: str | None = None
            ) -> None:
                # What http.server refuses before any handler runs (a request line over
                # 64 KiB: 414; a header line too long or too many: 431; a malformed
                # line: 400) is answered in JSON too, not in its HTML page.
                self.close_connection = True
                reason = message or self.responses.get(code, ("error",))[0]
                self._reply_json(code, reason, (("connection", "close"),))

            def _reply_json(
                self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()
            ) -> None:
                payload = json.dumps({"message": message}).encode()
                self.send_response(status)
                for name, value in [*JSON_HEADERS, *headers]:
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                target = readable_path(self.path[:200]) if hasattr(self, "path") else "-"
                api.report(f"api: {printable(self.command or '-')[:40]} {target} -> {status}")

            def log_message(self, format: str, *args: Any) -> None:
                # `report` prints one line per request instead of the stdlib's access log.
                pass

        return RequestHandler
