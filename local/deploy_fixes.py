"""What moto (5.2.5) lacks for `cdk deploy` into it, and the narrow fixes for it.

The CDK CLI deploys through a change set whose template it uploads to the bootstrap
bucket. Upstream moto, on that path:

- reads the TemplateURL's bucket from the host name unless the host is `localhost`, so
  with an endpoint of http://127.0.0.1:PORT it looks for a bucket named "127" and the
  change set fails ("The specified bucket does not exist");
- executes a change set without giving the stack its template: the stack keeps the empty
  one of REVIEW_IN_PROGRESS, so it has no outputs and no description;
- lists, in ListStackResources, an entry for each resource it could not create (a type
  it has no model for), with no type, id or name;
- fails an AWS::Events::Archive whose EventPattern is an object (as every template has
  it): the archive's model expects the JSON text of the API;
- answers ExecuteChangeSet with a 500 when a resource fails, leaving the stack
  CREATE_IN_PROGRESS; CloudFormation fails the stack instead, with the reason in its
  events, so the CLI reports what went wrong;
- delivers an event to an SQS target without its `account` field when the target has
  no input transformer (AWS delivers the whole event; the deployed rule has none).

Each fix keeps moto's own code and adds only what is missing. `install` refuses another
moto version: check each point against it, then update MOTO_VERSION.
"""

from __future__ import annotations

import ipaddress
import json
import traceback
from typing import Any
from urllib.parse import urlparse

import moto
import moto.cloudformation.models as cloudformation_models
import moto.cloudformation.responses as cloudformation_responses
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.utils import get_stack_from_s3_url
from moto.events.models import Archive, EventsBackend
from moto.events.utils import EventTemplateParser

from local import deploy_models  # noqa: F401  (registers the models moto lacks)

MOTO_VERSION = "5.2.5"

_ORIGINAL = {
    "get_stack_from_s3_url": get_stack_from_s3_url,
    "execute_change_set": CloudFormationBackend.execute_change_set,
    "list_stack_resources": CloudFormationBackend.list_stack_resources,
    "event_template": EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE,
    "create_archive": EventsBackend.create_archive,
    "update_archive": Archive.update,
}
# moto's default input template, with the `account` that AWS delivers too.
_WHOLE_EVENT_TEMPLATE = (
    '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", '
    '"account": "<account>", "time": <time>, "region": "<region>", '
    '"resources": <resources>, "detail": <detail>}'
)


def _stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
    url = urlparse(template_url)
    if _is_ip_address(url.hostname or ""):
        # Path-style, as moto already reads it for `localhost`.
        template_url = url._replace(netloc=f"localhost:{url.port or 80}").geturl()
    return str(_ORIGINAL["get_stack_from_s3_url"](template_url, account_id, partition))


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _execute_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    change_set = self.describe_change_set(change_set_name)
    assert change_set is not None
    stack = self.stacks[change_set.stack_id]
    try:
        _ORIGINAL["execute_change_set"](self, change_set_name, stack_name)
    except Exception as error:
        traceback.print_exc()
        # No rollback (moto has none): the stack says it failed, and why.
        stack.status = f"{change_set.change_set_type}_FAILED"
        stack._add_stack_event(
            stack.status, resource_status_reason=f"{type(error).__name__}: {error}"
        )
        change_set.execution_status = "EXECUTE_FAILED"
        return
    # moto set stack.template to the change set's; the parsed forms follow it here.
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()


def _list_stack_resources(self: CloudFormationBackend, stack_name_or_id: str) -> Any:
    stack, resources = _ORIGINAL["list_stack_resources"](self, stack_name_or_id)
    return stack, [resource for resource in resources if resource is not None]


def _json_text(pattern: Any) -> Any:
    return json.dumps(pattern) if isinstance(pattern, dict) else pattern


def _create_archive(
    self: EventsBackend,
    name: str,
    source_arn: str,
    description: str,
    event_pattern: Any,
    retention: Any,
) -> Any:
    return _ORIGINAL["create_archive"](
        self, name, source_arn, description, _json_text(event_pattern), retention
    )


def _update_archive(self: Archive, description: Any, event_pattern: Any, retention: Any) -> Any:
    return _ORIGINAL["update_archive"](self, description, _json_text(event_pattern), retention)


def install() -> None:
    """Apply the fixes to moto in this process (idempotent)."""
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"local/deploy_fixes.py was written for moto {MOTO_VERSION}, not "
            f"{moto.__version__}: check each fix against it, then update MOTO_VERSION"
        )
    cloudformation_models.get_stack_from_s3_url = _stack_from_s3_url  # type: ignore[assignment]
    cloudformation_responses.get_stack_from_s3_url = _stack_from_s3_url  # type: ignore[assignment]
    CloudFormationBackend.execute_change_set = _execute_change_set  # type: ignore[method-assign]
    CloudFormationBackend.list_stack_resources = _list_stack_resources  # type: ignore[method-assign]
    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = _WHOLE_EVENT_TEMPLATE
    EventsBackend.create_archive = _create_archive  # type: ignore[method-assign]
    Archive.update = _update_archive  # type: ignore[method-assign]


def uninstall() -> None:
    cloudformation_models.get_stack_from_s3_url = _ORIGINAL["get_stack_from_s3_url"]  # type: ignore[assignment]
    cloudformation_responses.get_stack_from_s3_url = _ORIGINAL["get_stack_from_s3_url"]  # type: ignore[assignment]
    CloudFormationBackend.execute_change_set = _ORIGINAL["execute_change_set"]  # type: ignore[method-assign]
    CloudFormationBackend.list_stack_resources = _ORIGINAL["list_stack_resources"]  # type: ignore[method-assign]
    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = _ORIGINAL["event_template"]
    EventsBackend.create_archive = _ORIGINAL["create_archive"]  # type: ignore[method-assign]
    Archive.update = _ORIGINAL["update_archive"]  # type: ignore[method-assign]
