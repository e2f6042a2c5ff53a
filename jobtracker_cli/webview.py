"""The web view's files (jobtracker_cli/web/), served by `jobtracker ui` and `make local`.

Static files and no build step: the pages call the API on their own origin, which is
the local stack's API itself, or `jobtracker ui` forwarding to a deployed one. Only the
files of web/ are served, by name, read at each request so an edited page shows on
reload. The pages ship with the command line, not in the api function: deployed, the
HTTP API is IAM-authorised and a browser cannot sign its requests, so pages there could
not call it, and every byte in the api asset is downloaded by every cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WEB_ROOT = Path(__file__).with_name("web")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
# Nothing but this origin: no CDN, no request leaves the machine, and the API's text
# cannot bring in a script (the pages never build markup from it either).
SECURITY_HEADERS = (
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-cache"),
)


@dataclass(frozen=True)
class WebFile:
    content_type: str
    body: bytes

    def headers(self) -> list[tuple[str, str]]:
        return [("content-type", self.content_type), *SECURITY_HEADERS]


class WebPages:
    def __init__(self, root: Path = WEB_ROOT) -> None:
        self.root = root

    def get(self, target: str) -> WebFile | None:
        """The file for a request target ("/job.html?name=x"), or None if it is not one:
        only a file directly in the web root, by its own name ("/" is index.html)."""
        name = urlsplit(target).path.removeprefix("/") or "index.html"
        content_type = CONTENT_TYPES.get(Path(name).suffix)
        path = self.root / name
        if "/" in name or "\\" in name or content_type is None or not path.is_file():
            return None
        return WebFile(content_type, path.read_bytes())
