"""/openapi.json: a valid OpenAPI 3 document that describes exactly the api's routes."""

from __future__ import annotations

import importlib
import re
from types import ModuleType

import pytest
from api.openapi import openapi_document
from api.query_params import LIST_PARAMETERS
from jobtracker.names import STATUSES
from openapi_spec_validator import validate


@pytest.fixture
def api() -> ModuleType:
    return importlib.import_module("api.handler")  # configured by tests/conftest.py


def test_the_document_is_valid_openapi() -> None:
    validate(openapi_document())  # raises on an invalid document


def test_the_document_has_exactly_the_router_routes(api: ModuleType) -> None:
    routes = {(route.method, re.sub(r"<(\w+)>", r"{\1}", route.path)) for route in api.app.routes}
    document = openapi_document()["paths"]
    assert routes == {(method.upper(), path) for path in document for method in document[path]}


def test_the_listing_parameters_are_the_parser_parameters() -> None:
    operation = openapi_document()["paths"]["/jobs"]["get"]
    assert [p["name"] for p in operation["parameters"]] == list(LIST_PARAMETERS)
    status = next(p for p in operation["parameters"] if p["name"] == "status")
    assert status["schema"]["enum"] == list(STATUSES)
