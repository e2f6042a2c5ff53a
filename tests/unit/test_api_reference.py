"""/docs: the OpenAPI document as HTML that names every route and parameter, and needs
nothing but itself (no script, no stylesheet or image from elsewhere)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from api.openapi import openapi_document
from api.reference import PAGE_POLICY, reference_html

from jobtracker_cli.webview import SECURITY_HEADERS


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


def test_every_operation_and_parameter_is_on_the_page() -> None:
    document = openapi_document()
    page = parsed(reference_html(document))
    text = " ".join(page.text)
    ids = {attrs.get("id") for _, attrs in page.tags}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert f"{method.upper()} {path}" in text
            assert operation["operationId"] in ids
            for parameter in operation.get("parameters", []):
                assert parameter["name"] in text
    assert {f"schema-{name}" for name in document["components"]["schemas"]} <= ids


def test_the_page_loads_nothing_from_elsewhere() -> None:
    page = parsed(reference_html(openapi_document()))
    assert not [tag for tag, _ in page.tags if tag in ("script", "img", "iframe")]
    links = [attrs.get("href") or attrs.get("src") or "" for _, attrs in page.tags]
    assert [link for link in links if re.match(r"(https?:)?//", link)] == []


def test_text_from_the_document_is_escaped() -> None:
    document = openapi_document()
    document["info"]["description"] = "<script>alert(1)</script>"
    assert "<script>" not in reference_html(document)


def test_the_pages_policy_is_the_web_views() -> None:
    # The web view ships without the functions' package: a copy, held equal here.
    assert dict(SECURITY_HEADERS)["content-security-policy"] == PAGE_POLICY
