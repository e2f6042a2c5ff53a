"""The read API: API Gateway HTTP API (payload v2) -> queries on the table."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtracker.config import ApiConfig
from jobtracker.observability import logger, metrics, tracer
from jobtracker.store.repository import JobRepository

CONFIG = ApiConfig.from_env()
REPOSITORY = JobRepository(CONFIG.table)
DEFAULT_LIMIT = 50
MAX_LIMIT = 100

app = APIGatewayHttpResolver()


@app.get("/jobs/<name>")
def get_job(name: str) -> dict[str, Any]:
    record = REPOSITORY.get_job(name)
    if record is None:
        raise NotFoundError(f"training job {name!r} not found")
    return record


@app.get("/jobs/<name>/transitions")
def get_transitions(name: str) -> dict[str, Any]:
    if REPOSITORY.get_job(name) is None:
        raise NotFoundError(f"training job {name!r} not found")
    return {"items": REPOSITORY.list_transitions(name)}


@app.get("/jobs")
def list_jobs() -> dict[str, Any]:
    limit = _limit(app.current_event.get_query_string_value("limit"))
    cursor = _decode_token(app.current_event.get_query_string_value("next_token"))
    items, next_cursor = REPOSITORY.list_recent_jobs(limit, cursor)
    return {"items": items, "next_token": _encode_token(next_cursor)}


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequestError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def _encode_token(cursor: dict[str, Any] | None) -> str | None:
    if cursor is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()


def _decode_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        raise BadRequestError("next_token is not a token this API issued") from None
    if not isinstance(cursor, dict) or not isinstance(cursor.get("month"), str):
        raise BadRequestError("next_token is not a token this API issued")
    return cursor


@app.exception_handler(NotFoundError)
def _not_found(error: NotFoundError) -> Response:
    return _error_response(404, str(error.msg))


@app.exception_handler(BadRequestError)
def _bad_request(error: BadRequestError) -> Response:
    return _error_response(400, str(error.msg))


def _error_response(status: int, message: str) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"message": message}),
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
