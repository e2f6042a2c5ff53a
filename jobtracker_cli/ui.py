"""jobtracker ui: the web view on this machine, its API calls signed and forwarded.

Deployed, the HTTP API is IAM-authorised and a browser cannot sign SigV4, so, as
`kubectl proxy` does for Kubernetes, this serves the pages on 127.0.0.1 and forwards
their GETs to the API's routes, signed with the caller's AWS credentials (the same
client as the other commands: unsigned when the API is the local stack). Nothing new is
deployed and no other auth surface is opened:

- it listens on 127.0.0.1 only;
- it forwards GET requests to the API's routes only; other methods are refused (405);
- it answers only requests addressed to 127.0.0.1 or localhost (the Host header): a web
  page whose own name is made to resolve to 127.0.0.1 (DNS rebinding) cannot read the
  API through it.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

from jobtracker_cli.client import ApiClient, ApiError, query_string
from jobtracker_cli.webview import WebPages

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
# The API's routes (api/handler.py); a name that cannot be a training job's never leaves.
_NAME = r"[A-Za-z0-9](-*[A-Za-z0-9]){0,62}"
API_ROUTE = re.compile(
    rf"/jobs|/jobs/{_NAME}|/jobs/{_NAME}/transitions|/stats|/openapi\.json|/docs"
)

FORWARDED_HEADERS = ("content-security-policy", "referrer-policy")
NOSNIFF = ("x-content-type-options", "nosniff")
WRONG_HOST = "address this server as 127.0.0.1 or localhost"


def addressed_to_loopback(host: str | None, port: int) -> bool:
    """Whether a request's Host header names a server on 127.0.0.1:`port` by its own
    address or by localhost: a page whose own name was made to resolve to 127.0.0.1 (DNS
    rebinding) sends its name, and must not read what the server answers."""
    return host in (f"{HOST}:{port}", f"localhost:{port}")


class UiServer:
    """The pages and the forwarding proxy, on a ThreadingHTTPServer of its own."""

    def __init__(
        self, client: ApiClient, port: int = DEFAULT_PORT, pages: WebPages | None = None
    ) -> None:
        self.client = client
        self.pages = pages or WebPages()
        self._server = ThreadingHTTPServer((HOST, port), self._request_handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="ui-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ends start()'s thread (from another thread, as shutdown() requires)."""
        self._server.shutdown()
        self.close()
        if self._thread is not None:
            self._thread.join(5)

    def close(self) -> None:
        self._server.server_close()

    def answer(self, target: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """The response to a GET of `target`: a page, the API's answer, or a 404."""
        page = self.pages.get(target)
        if page is not None:
            return 200, page.headers(), page.body
        parts = urlsplit(target)
        # Decoded as API Gateway's HTTP API decodes a path before routing it (see
        # local/http_adapter.py): /jobs/a%2Db is the job a-b, /jobs/a%2Fb no route.
        path = unquote(parts.path)
        if not API_ROUTE.fullmatch(path):
            return _json(404, "not a page of the web view nor a route of the API")
        query = query_string(parse_qsl(parts.query, keep_blank_values=True))
        forwarded = path + (f"?{query}" if query else "")
        try:
            status, headers, body = self.client.fetch(forwarded)
        except ApiError as error:
            return _json(502, error.message)
        # The API's own policy for what it serves (/docs has one), and never a sniffed type.
        kept = [(name, headers[name]) for name in FORWARDED_HEADERS if name in headers]
        content_type = headers.get("content-type") or "application/json"
        return status, [("content-type", content_type), *kept, NOSNIFF], body

    def _request_handler_class(self) -> type[BaseHTTPRequestHandler]:
        ui = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if not addressed_to_loopback(self.headers.get("host"), ui.port):
                    self._reply(*_json(403, WRONG_HOST))
                else:
                    self._reply(*ui.answer(self.path))

            def _refuse(self) -> None:
                status, headers, body = _json(405, "jobtracker ui forwards GET requests only")
                self._reply(status, [*headers, ("allow", "GET")], body)

            do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _refuse

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the browser has its own record of every request

        return RequestHandler


def _json(status: int, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [("content-type", "application/json"), NOSNIFF]
    return status, headers, json.dumps({"message": message}).encode()


def add_ui_command(commands: Any) -> None:
    ui = commands.add_parser(
        "ui", help="the web view on 127.0.0.1, its API calls signed and forwarded"
    )
    ui.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1 (default %(default)s)"
    )
    # Also after the command (`jobtracker ui --api-url URL`); SUPPRESS keeps the global.
    ui.add_argument("--api-url", default=argparse.SUPPRESS, help="the API to forward to")


def run_ui(args: argparse.Namespace, client: ApiClient, out: TextIO) -> int:
    try:
        server = UiServer(client, args.port)
    except OSError as error:
        out.write(f"jobtracker: cannot listen on {HOST}:{args.port}: {error.strerror}\n")
        return 1
    signing = "signed with your AWS credentials" if client.sign else "unsigned (loopback)"
    out.write(f"web view {server.url}  (API {client.base_url}, {signing}; Ctrl-C stops)\n")
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
