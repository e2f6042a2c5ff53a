"""The api's router: which function answers an HTTP API v2 request, with what, and what
becomes of an exception (api.routes; the routes themselves are api.handler's)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api.routes import NoRoute, Request, Response, Router

from synthetic.lambda_events import http_request

HEADERS = {"x-content-type-options": "nosniff"}


class Refused(ValueError):
    pass


class RefusedHarder(Refused):
    pass


def router() -> Router:
    app = Router(serializer=lambda body: json.dumps(body, sort_keys=True), headers=HEADERS)

    @app.get("/jobs")
    def jobs(request: Request) -> dict[str, Any]:
        if "refuse" in request.query:
            raise RefusedHarder(request.query["refuse"])
        if "fail" in request.query:
            raise RuntimeError("the store is down")
        return {"query": dict(request.query)}

    @app.get("/jobs/<name>")
    def job(request: Request, name: str) -> dict[str, Any]:
        return {"name": name}

    @app.get("/jobs/<name>/transitions")
    def transitions(request: Request, name: str) -> dict[str, Any]:
        return {"transitions_of": name}

    @app.get("/openapi.json")
    def page(request: Request) -> Response:
        return Response(200, "<p>", content_type="text/html", headers={"referrer-policy": "x"})

    @app.error(Refused)
    def refused(error: Refused) -> Response:
        return Response(400, json.dumps({"message": str(error)}))

    @app.error(NoRoute)
    def no_route(error: NoRoute) -> Response:
        return Response(404, json.dumps({"message": "no such route"}))

    return app


def answer(path: str, query: dict[str, str] | None = None, method: str = "GET") -> Any:
    return router().resolve(http_request(path, query, method))


def test_a_function_s_dict_is_a_200_of_json_and_its_response_goes_as_it_is() -> None:
    assert answer("/jobs", {"limit": "2"}) == {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", **HEADERS},
        "body": '{"query": {"limit": "2"}}',
        "isBase64Encoded": False,
    }
    assert answer("/jobs")["body"] == '{"query": {}}'  # no queryStringParameters
    assert answer("/openapi.json") == {
        "statusCode": 200,
        "headers": {"Content-Type": "text/html", "referrer-policy": "x", **HEADERS},
        "body": "<p>",
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize(
    "path", ["/", "", "/nothing", "/jobs/", "//jobs", "/jobs/a/b", "/openapiXjson", "/jobs\n"]
)
def test_a_path_no_route_takes_is_no_route(path: str) -> None:
    response = answer(path)
    assert (response["statusCode"], response["body"]) == (404, '{"message": "no such route"}')
    assert response["headers"] == {"Content-Type": "application/json", **HEADERS}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"])
def test_a_method_no_route_takes_is_no_route(method: str) -> None:
    assert answer("/jobs", method=method)["statusCode"] == 404
    assert answer("/jobs/a-job", method=method)["statusCode"] == 404
    assert answer("/jobs", method=method.lower())["statusCode"] == 404


def test_the_method_is_compared_upper_cased() -> None:
    assert answer("/jobs", method="get")["statusCode"] == 200


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/jobs/a-job", "a-job"),
        # HTTP API decodes the path before the function sees it: no second decoding.
        ("/jobs/a%2Fb", "a%2Fb"),
        ("/jobs/a%2Djob", "a%2Djob"),
        ("/jobs/a b", "a b"),
        ("/jobs/jöb", "jöb"),
        ("/jobs/a~b(c)!*:@,;=+&$<>[]{}|^", "a~b(c)!*:@,;=+&$<>[]{}|^"),
    ],
)
def test_a_path_parameter_is_one_segment_as_the_path_gives_it(path: str, name: str) -> None:
    assert json.loads(answer(path)["body"]) == {"name": name}
    assert json.loads(answer(f"{path}/transitions")["body"]) == {"transitions_of": name}


@pytest.mark.parametrize(
    "path", ['/jobs/a"b', "/jobs/a\\b", "/jobs/a#b", "/jobs/a?b", "/jobs/a\tb", "/jobs/a-job\n"]
)
def test_a_segment_with_a_character_out_of_the_parameter_s_is_no_route(path: str) -> None:
    assert answer(path)["statusCode"] == 404


def test_the_stage_is_not_part_of_the_path_routed() -> None:
    event = http_request("/beta/jobs/a-job")
    event["requestContext"]["stage"] = "beta"
    assert json.loads(router().resolve(event)["body"]) == {"name": "a-job"}


def test_an_exception_is_answered_by_the_function_of_its_nearest_class() -> None:
    response = answer("/jobs", {"refuse": "limit is not a number"})
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"message": "limit is not a number"}
    assert response["headers"] == {"Content-Type": "application/json", **HEADERS}


def test_an_exception_no_function_answers_is_raised() -> None:
    # Lambda reports it as the invocation's error (the Errors metric); API Gateway answers 500.
    with pytest.raises(RuntimeError, match="the store is down"):
        answer("/jobs", {"fail": "yes"})


def test_the_routes_are_listed_as_registered() -> None:
    assert [(route.method, route.path) for route in router().routes] == [
        ("GET", "/jobs"),
        ("GET", "/jobs/<name>"),
        ("GET", "/jobs/<name>/transitions"),
        ("GET", "/openapi.json"),
    ]
