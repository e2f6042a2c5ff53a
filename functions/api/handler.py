"""The read API: API Gateway HTTP API (payload v2) -> queries on the table.

Parameters are parsed by api.query_params (one parser for every route, tested with
hypothesis) rather than by Powertools' validation, which would import pydantic on every
cold start; jobtracker.queries plans and pages the reads. /openapi.json is written from
the same constants (api.openapi) and built only when that route is hit, as is /docs, the
same document as a plain HTML page (api.reference). Requests are routed by api.routes,
a table of routes of its own rather than Powertools' resolver, whose import loads every
resolver and every event source's data classes on each cold start.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtracker.config import ApiConfig
from jobtracker.errors import InvalidQuery, UnknownJob
from jobtracker.numbers import finite_json
from jobtracker.observability import logger, metrics, tracer
from jobtracker.queries import (
    AttentionView,
    job_detail,
    job_transitions,
    list_jobs,
    window_stats,
)
from jobtracker.record import JobIdentity
from jobtracker.store.reads import JobReads
from jobtracker.tokens import PageTokens, TokenKey

from api.query_params import parse_job_identity, parse_job_query, parse_stats_query
from api.routes import NoRoute, Request, Response, Router

CONFIG = ApiConfig.from_env()
READS = JobReads.for_table(CONFIG.table.table_name, CONFIG.table.region, CONFIG.table.endpoint_url)
TOKENS = PageTokens(TokenKey(CONFIG.token_key.key, CONFIG.token_key.secret_arn))


def strict_json(document: Any) -> str:
    """JSON that every parser takes: a record stored before non-finite numbers became null
    may still hold one, which Python would write as a bare NaN."""
    try:
        return json.dumps(document, separators=(",", ":"), cls=Encoder, allow_nan=False)
    except ValueError:
        return json.dumps(finite_json(document), separators=(",", ":"), cls=Encoder)


# On every answer, JSON or HTML, an error included: a browser never guesses another type.
NOSNIFF = {"x-content-type-options": "nosniff"}
app = Router(serializer=strict_json, headers=NOSNIFF)


@app.get("/jobs")
def get_jobs(request: Request) -> dict[str, Any]:
    query = parse_job_query(request.query)
    return list_jobs(query, READS, TOKENS, _attention_now())


@app.get("/jobs/<name>")
def get_job(request: Request, name: str) -> dict[str, Any]:
    return job_detail(_job(request, name), READS, _attention_now())


def _attention_now() -> AttentionView:
    """The watch's thresholds, at the time of this request."""
    return AttentionView(CONFIG.watch, int(time.time() * 1000))


@app.get("/jobs/<name>/transitions")
def get_transitions(request: Request, name: str) -> dict[str, Any]:
    return job_transitions(_job(request, name), READS)


def _job(request: Request, name: str) -> JobIdentity:
    """The job `name` in the tracker's own account and region unless the query names others."""
    return parse_job_identity(name, request.query, CONFIG.home)


@app.get("/stats")
def get_stats(request: Request) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    query = parse_stats_query(request.query, today, CONFIG.cost_tags)
    return window_stats(query, READS)


@app.get("/openapi.json")
def get_openapi(request: Request) -> dict[str, Any]:
    from api.openapi import openapi_document  # only this route pays for building it

    return openapi_document()


@app.get("/docs")
def get_docs(request: Request) -> Response:
    from api.openapi import openapi_document
    from api.reference import PAGE_HEADERS, reference_html

    html = reference_html(openapi_document())
    return Response(200, html, content_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@app.error(InvalidQuery)
def _bad_request(error: InvalidQuery) -> Response:
    logger.info("request refused", extra={"reason": str(error), "kind": type(error).__name__})
    return _error_response(400, str(error))


@app.error(UnknownJob)
def _unknown_job(error: UnknownJob) -> Response:
    return _error_response(404, str(error.args[0]) if error.args else "not found")


@app.error(NoRoute)  # a path, or a method on it, that no route takes
def _no_route(error: NoRoute) -> Response:
    return _error_response(404, "no such route; see /openapi.json")


def _error_response(status: int, message: str) -> Response:
    return Response(status, json.dumps({"message": message}))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event)
