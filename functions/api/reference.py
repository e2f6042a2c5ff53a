"""GET /docs: the OpenAPI document as one plain HTML page.

Swagger UI needs a megabyte of script, from a CDN (blank offline) or shipped in the api
asset (paid by every cold start's download). This page is the same document rendered
here, when the route is hit: no script, no request beyond itself, readable anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from typing import Any

# The web view's policy (jobtracker_cli/webview.py, held equal by tests/unit/
# test_api_reference.py): the page is HTML from the same API and gets the same defence.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;color:#1b1f24;max-width:60rem;margin:0 auto;padding:1rem}
h2{border-bottom:1px solid #c8ccd1;margin-top:2rem}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
.method{background:#0b5394;color:#fff;padding:0 .4em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #c8ccd1;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}
pre{background:#f4f6f8;padding:.5rem;overflow-x:auto}
"""

# The page's one inline block, allowed by its hash: no stylesheet route to add, and no
# other inline style or script can run.
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
PAGE_HEADERS = {
    "content-security-policy": f"{PAGE_POLICY}; style-src 'self' 'sha256-{_STYLE_HASH}'",
    "referrer-policy": "no-referrer",
}


def reference_html(document: dict[str, Any]) -> str:
    info = document["info"]
    schemas = document.get("components", {}).get("schemas", {})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(info['title'])} API reference</title>",
        "<link rel='icon' href='data:,'>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info['title'])} API reference</h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        "<p>The same document as JSON: <a href='openapi.json'>openapi.json</a>.</p>",
        "<nav aria-label='Routes'><ul>",
    ]
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    for path, method, operation in operations:
        parts.append(
            f"<li><a href='#{escape(operation['operationId'])}'>{method.upper()} "
            f"{escape(path)}</a></li>"
        )
    parts.append("</ul></nav><main>")
    for path, method, operation in operations:
        parts.extend(_operation(path, method, operation))
    parts.append("<h2 id='schemas'>Schemas</h2>")
    for name, schema in schemas.items():
        parts.append(f"<h3 id='schema-{escape(name)}'>{escape(name)}</h3>")
        parts.append(f"<pre>{escape(json.dumps(schema, indent=2))}</pre>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _operation(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    parts = [
        f"<h2 id='{escape(operation['operationId'])}'><span class='method'>{method.upper()}"
        f"</span> <code>{escape(path)}</code></h2>",
        f"<p>{escape(operation.get('summary', ''))}</p>",
    ]
    if operation.get("description"):
        parts.append(f"<p>{escape(operation['description'])}</p>")
    parameters = operation.get("parameters", [])
    if parameters:
        parts.append(
            "<table><caption>Parameters</caption><thead><tr><th scope='col'>name</th>"
            "<th scope='col'>in</th><th scope='col'>accepts</th>"
            "<th scope='col'>meaning</th></tr></thead><tbody>"
        )
        for parameter in parameters:
            parts.append(
                f"<tr><td><code>{escape(parameter['name'])}</code></td>"
                f"<td>{escape(parameter['in'])}</td>"
                f"<td>{escape(_accepts(parameter.get('schema', {})))}</td>"
                f"<td>{escape(parameter.get('description', ''))}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append(
        "<table><caption>Responses</caption><thead><tr><th scope='col'>status</th>"
        "<th scope='col'>meaning</th><th scope='col'>body</th></tr></thead><tbody>"
    )
    for status, response in operation.get("responses", {}).items():
        parts.append(
            f"<tr><td>{escape(status)}</td><td>{escape(response.get('description', ''))}</td>"
            f"<td>{_body(response)}</td></tr>"
        )
    parts.append("</tbody></table>")
    return parts


def _accepts(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    words = [schema.get("type", "any")]
    if "minimum" in schema and "maximum" in schema:
        words.append(f"{schema['minimum']}..{schema['maximum']}")
    if "default" in schema:
        words.append(f"(default {schema['default']})")
    if "pattern" in schema:
        words.append(f"matching {schema['pattern']}")
    if "maxLength" in schema:
        words.append(f"up to {schema['maxLength']} characters")
    return " ".join(words)


def _body(response: dict[str, Any]) -> str:
    cells = []
    for content_type, content in response.get("content", {}).items():
        reference = content.get("schema", {}).get("$ref", "")
        name = reference.rsplit("/", 1)[-1]
        target = f" <a href='#schema-{escape(name)}'>{escape(name)}</a>" if name else ""
        cells.append(f"{escape(content_type)}{target}")
    return "<br>".join(cells)
