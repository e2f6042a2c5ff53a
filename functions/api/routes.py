"""The api's router: API Gateway HTTP API (payload v2) requests -> the functions that answer.

Not Powertools' APIGatewayHttpResolver: importing any Powertools resolver runs
`aws_lambda_powertools.event_handler/__init__`, which loads every resolver (AppSync,
Bedrock, VPC Lattice, ...) and the data classes of every event source. As shipped that
was about 35 ms of the api's cold start (event_handler ~16 ms, utilities.data_classes
~20 ms), against ~260 ms for `import boto3`, for a few GET routes with one path parameter.
This is a table of (method, path pattern) -> function, and nothing else to load.

It routes as the resolver did (tests/unit/test_api_router.py):
- the path is `rawPath`, less `/<stage>` on a stage other than `$default`. HTTP API has
  already decoded it, so it is not decoded again: in `/jobs/a%2Fb` the name is `a%2Fb`;
- a path parameter is one segment of the characters the resolver took (SEGMENT);
- the method is compared upper-cased; a path no route takes, or a method its route does
  not take, raises NoRoute, which like any exception is answered by the function
  registered for its class (`Router.error`);
- a function's dict is a 200 of JSON written by the router's serializer, a Response is
  sent as it is; every answer has the router's headers;
- an exception no function answers is raised: a Lambda error, which API Gateway answers
  with a 500 (and the function's Errors metric counts).
Where it does not: a route's pattern is the whole path, its literal characters literal
(the resolver's let `/openapi.json` answer `/openapiXjson`, and a path ending in a line
feed answer as the path without it), and an answer has no `cookies` (always empty there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

JSON = "application/json"
# One path segment as Powertools' resolver matched a parameter: word characters, RFC
# 3986's unreserved characters, sub-delimiters, ":" and "@", and the characters API
# Gateway passes on decoded (% < > space [ ] { } | ^). Never "/": a segment, no more.
SEGMENT = r"[-._~()'!*:@,;=+&$%<> \[\]{}|^\w]+"
_PARAMETER = re.compile(r"<(\w+)>")


class Request(NamedTuple):
    """What a route reads of the event."""

    method: str
    path: str
    # queryStringParameters: decoded, a repeated name's values joined with commas.
    query: Mapping[str, str]

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> Request:
        context = event["requestContext"]
        path: str = event["rawPath"]
        stage = context.get("stage", "$default")
        if stage != "$default":
            path = path.removeprefix(f"/{stage}")
        method = context["http"]["method"].upper()
        return cls(method, path, event.get("queryStringParameters") or {})


class Response(NamedTuple):
    status: int
    body: str
    content_type: str = JSON
    headers: Mapping[str, str] = MappingProxyType({})  # a Content-Type here wins


AnswerT = dict[str, Any] | Response
ViewT = TypeVar("ViewT", bound=Callable[..., AnswerT])
ErrorT = TypeVar("ErrorT", bound=Exception)


class NoRoute(LookupError):
    """No route takes the request's method and path."""


class Route(NamedTuple):
    method: str
    path: str  # as registered, its parameters in angle brackets: /jobs/<name>
    pattern: re.Pattern[str]
    view: Callable[..., AnswerT]  # called with the Request and the path's parameters


def path_pattern(path: str) -> re.Pattern[str]:
    """`/jobs/<name>` -> a pattern of the whole path, `name` one segment."""
    parts = _PARAMETER.split(path)  # literal, name, literal, ...
    return re.compile(
        "".join(
            f"(?P<{part}>{SEGMENT})" if index % 2 else re.escape(part)
            for index, part in enumerate(parts)
        )
    )


class Router:
    def __init__(self, serializer: Callable[[Any], str], headers: Mapping[str, str]) -> None:
        self.routes: list[Route] = []
        self._errors: dict[type[Exception], Callable[[Any], Response]] = {}
        self._serializer = serializer
        self._headers = headers

    def get(self, path: str) -> Callable[[ViewT], ViewT]:
        def register(view: ViewT) -> ViewT:
            self.routes.append(Route("GET", path, path_pattern(path), view))
            return view

        return register

    def error(
        self, kind: type[ErrorT]
    ) -> Callable[[Callable[[ErrorT], Response]], Callable[[ErrorT], Response]]:
        """Answer `kind` (and its subclasses, unless they have their own) with the function."""

        def register(answer: Callable[[ErrorT], Response]) -> Callable[[ErrorT], Response]:
            self._errors[kind] = answer
            return answer

        return register

    def resolve(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The payload v2 answer to the event."""
        request = Request.of(event)
        try:
            response = self._call(request)
        except Exception as error:
            answer = next((self._errors[k] for k in type(error).__mro__ if k in self._errors), None)
            if answer is None:
                raise
            response = answer(error)
        return {
            "statusCode": response.status,
            "headers": {"Content-Type": response.content_type, **response.headers, **self._headers},
            "body": response.body,
            "isBase64Encoded": False,
        }

    def _call(self, request: Request) -> Response:
        for route in self.routes:
            match = route.pattern.fullmatch(request.path)
            if match is not None and route.method == request.method:
                result = route.view(request, **match.groupdict())
                if isinstance(result, Response):
                    return result
                return Response(200, self._serializer(result))
        raise NoRoute(f"{request.method} {request.path}")
