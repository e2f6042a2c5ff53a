"""`make local` serves the web view beside the API, on the API's own port.

The pages call the API on their own origin, so on the local stack they need no proxy
and no CORS. A GET for one of the web view's files is answered here; every other
request goes on to the api handler unchanged, as API Gateway would route it.
"""

from __future__ import annotations

from typing import Any

from jobtracker_cli.webview import WebPages
from local.http_adapter import Handler


def with_web_view(handler: Handler, pages: WebPages | None = None) -> Handler:
    pages = pages or WebPages()

    def serve(event: dict[str, Any], context: Any) -> Any:
        if event["requestContext"]["http"]["method"] in ("GET", "HEAD"):
            page = pages.get(event["rawPath"])
            if page is not None:
                return {
                    "statusCode": 200,
                    "headers": dict(page.headers()),
                    "body": page.body.decode(),
                }
        return handler(event, context)

    return serve
