"""What moto (5.2.5) lacks for `cdk deploy` into it, and the narrow fixes for it.

The CDK CLI deploys through a change set whose template it uploads to the bootstrap
bucket. Upstream moto, on that path:

- reads the TemplateURL's bucket from the host name unless the host is `localhost`, so
  with an endpoint of http://127.0.0.1:PORT it looks for a bucket named "127" and the
  change set fails ("The specified bucket does not exist");
- finds a change set named in Describe/Execute/DeleteChangeSet by its name alone, in
  any stack, and answers one that does not exist with ValidationError, not
  ChangeSetNotFound: the CLI names every change set "cdk-deploy-change-set", so after a
  second stack's deploy, updating the first finds the second's change set and waits
  forever for an update that never starts;
- resolves an SSM parameter type parameter passed with UsePreviousValue (the CLI's
  BootstrapVersion on every update) from its previous resolved value ("21") as if that
  were the parameter's name, and fails every update of the stack;
- executes a change set without giving the stack its template: the stack keeps the empty
  one of REVIEW_IN_PROGRESS, so it has no outputs and no description;
- lists, in ListStackResources, an entry for each resource it could not create (a type
  it has no model for), with no type, id or name;
- fails an AWS::Events::Archive whose EventPattern is an object (as every template has
  it): the archive's model expects the JSON text of the API;
- answers ExecuteChangeSet with a 500 when a resource fails, leaving the stack
  CREATE_IN_PROGRESS; CloudFormation fails the stack instead, with the reason in its
  events, so the CLI reports what went wrong;
- names an archive "<stack>-<logical id>-<suffix>" whatever its length, and then
  refuses the name (archive names have at most 48 characters); CloudFormation shortens
  the names it generates to the type's limit;
- resolves a Ref to an AWS::Events::EventBus to the bus object instead of its name, so
  a rule on the member accounts' bus fails ('EventBus' object has no attribute 'split');
- sends every event on a bus to the targets of its scheduled rules too (a rule without
  a pattern matches everything), so the reconciler's schedule fails PutEvents with
  NotImplementedError (moto cannot deliver to a Lambda target);
- invokes a queue's event source mapping on every message it gets, through Docker,
  which this machine has not: each message is received and failed until the DLQ takes
  it. The mapping is still created; the caller drains the queue into the handler (as
  local/worker.py does), like Lambda's poller would;
- delivers an event to an SQS target without its `account` field when the target has
  no input transformer (AWS delivers the whole event; the deployed rule has none).

Each fix keeps moto's own code and adds only what is missing. `install` refuses another
moto version: check each point against it, then update local/moto_fixes.MOTO_VERSION.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from typing import Any
from urllib.parse import urlparse

import moto.cloudformation.models as cloudformation_models
import moto.cloudformation.parsing as cloudformation_parsing
import moto.cloudformation.responses as cloudformation_responses
from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import get_stack_from_s3_url
from moto.core.responses import ActionResult, EmptyResult
from moto.events.models import Archive, EventBus, EventsBackend, Rule
from moto.events.utils import EventTemplateParser
from moto.sqs.models import Queue

from local import (
    deploy_models,  # noqa: F401  (registers the models moto lacks)
    moto_fixes,
)

_ORIGINAL: dict[str, Any] = {
    "get_stack_from_s3_url": get_stack_from_s3_url,
    "execute_change_set": CloudFormationBackend.execute_change_set,
    "list_stack_resources": CloudFormationBackend.list_stack_resources,
    "event_template": EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE,
    "create_archive": EventsBackend.create_archive,
    "update_archive": Archive.update,
    "send_to_targets": Rule.send_to_targets,
    "add_message": Queue.add_message,
    "describe_change_set": CloudFormationResponse.describe_change_set,
    "execute_change_set_response": CloudFormationResponse.execute_change_set,
    "delete_change_set": CloudFormationResponse.delete_change_set,
    "generate_resource_name": cloudformation_parsing.generate_resource_name,
    "parse_ssm_parameter": cloudformation_parsing.ResourceMap.parse_ssm_parameter,
}
# Longest names that the services accept, for the types whose limit moto's names exceed.
_NAME_LIMITS = {"AWS::Events::Archive": 48}
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
        logging.getLogger(__name__).warning("change set %s failed", change_set_name, exc_info=True)
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


def _send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
    if self.scheduled_expression and not self.event_pattern.get_pattern():
        return  # a schedule: it fires on time, never on an event
    _ORIGINAL["send_to_targets"](self, original_event, transform_input)


def _add_message(self: Queue, message: Any) -> None:
    mappings, self.lambda_event_source_mappings = self.lambda_event_source_mappings, {}
    try:
        _ORIGINAL["add_message"](self, message)
    finally:
        self.lambda_event_source_mappings = mappings


def _generate_resource_name(resource_type: str, stack_name: str, logical_id: str) -> str:
    name = str(_ORIGINAL["generate_resource_name"](resource_type, stack_name, logical_id))
    limit = _NAME_LIMITS.get(resource_type)
    if limit is None or len(name) <= limit:
        return name
    prefix, suffix = name.rsplit("-", 1)
    return f"{prefix[: limit - len(suffix) - 1]}-{suffix}"


def _change_set_id(response: CloudFormationResponse) -> str:
    """The id of the change set named in the request, of the stack named in it."""
    name = str(response._get_param("ChangeSetName"))
    stack = response._get_param("StackName")
    if stack and not name.startswith("arn:"):
        change_sets = response.cloudformation_backend.change_sets
        for change_set_id, change_set in reversed(change_sets.items()):
            if change_set.change_set_name == name and stack in (
                change_set.stack_name,
                change_set.stack_id,
            ):
                return str(change_set_id)
        raise ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
    return name


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFoundException"


def _describe_change_set(self: CloudFormationResponse) -> ActionResult:
    return ActionResult(self.cloudformation_backend.describe_change_set(_change_set_id(self)))


def _execute_change_set_response(self: CloudFormationResponse) -> EmptyResult:
    self.cloudformation_backend.execute_change_set(_change_set_id(self))
    return EmptyResult()


def _delete_change_set(self: CloudFormationResponse) -> EmptyResult:
    self.cloudformation_backend.delete_change_set(_change_set_id(self))
    return EmptyResult()


def _parse_ssm_parameter(self: Any, value: str, value_type: str) -> Any:
    ssm = cloudformation_parsing.ssm_backends[self._account_id][self._region_name]
    if ssm.get_parameter(value) is None and value in self.resolved_parameters.values():
        return value  # the previous value, already resolved
    return _ORIGINAL["parse_ssm_parameter"](self, value, value_type)


def install() -> None:
    """Apply the fixes to moto in this process (idempotent)."""
    moto_fixes.require_written_for("local/deploy_fixes.py")
    cloudformation_models.get_stack_from_s3_url = _stack_from_s3_url  # type: ignore[assignment]
    cloudformation_responses.get_stack_from_s3_url = _stack_from_s3_url  # type: ignore[assignment]
    CloudFormationBackend.execute_change_set = _execute_change_set  # type: ignore[method-assign]
    CloudFormationBackend.list_stack_resources = _list_stack_resources  # type: ignore[method-assign]
    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = _WHOLE_EVENT_TEMPLATE
    EventsBackend.create_archive = _create_archive  # type: ignore[method-assign]
    Archive.update = _update_archive  # type: ignore[method-assign]
    Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
    Queue.add_message = _add_message  # type: ignore[method-assign]
    cloudformation_parsing.generate_resource_name = _generate_resource_name
    cloudformation_parsing.ResourceMap.parse_ssm_parameter = _parse_ssm_parameter  # type: ignore[method-assign]
    CloudFormationResponse.describe_change_set = _describe_change_set  # type: ignore[method-assign]
    CloudFormationResponse.execute_change_set = _execute_change_set_response  # type: ignore[method-assign]
    CloudFormationResponse.delete_change_set = _delete_change_set  # type: ignore[method-assign]
    # What Ref answers for a bus; moto's EventBus has no physical id of its own.
    EventBus.physical_resource_id = property(lambda bus: bus.name)  # type: ignore[attr-defined]


def uninstall() -> None:
    cloudformation_models.get_stack_from_s3_url = _ORIGINAL["get_stack_from_s3_url"]  # type: ignore[assignment]
    cloudformation_responses.get_stack_from_s3_url = _ORIGINAL["get_stack_from_s3_url"]  # type: ignore[assignment]
    CloudFormationBackend.execute_change_set = _ORIGINAL["execute_change_set"]  # type: ignore[method-assign]
    CloudFormationBackend.list_stack_resources = _ORIGINAL["list_stack_resources"]  # type: ignore[method-assign]
    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = _ORIGINAL["event_template"]
    EventsBackend.create_archive = _ORIGINAL["create_archive"]  # type: ignore[method-assign]
    Archive.update = _ORIGINAL["update_archive"]  # type: ignore[method-assign]
    Rule.send_to_targets = _ORIGINAL["send_to_targets"]  # type: ignore[method-assign]
    Queue.add_message = _ORIGINAL["add_message"]  # type: ignore[method-assign]
    cloudformation_parsing.generate_resource_name = _ORIGINAL["generate_resource_name"]
    cloudformation_parsing.ResourceMap.parse_ssm_parameter = _ORIGINAL["parse_ssm_parameter"]  # type: ignore[method-assign]
    CloudFormationResponse.describe_change_set = _ORIGINAL["describe_change_set"]  # type: ignore[method-assign]
    CloudFormationResponse.execute_change_set = _ORIGINAL["execute_change_set_response"]  # type: ignore[method-assign]
    CloudFormationResponse.delete_change_set = _ORIGINAL["delete_change_set"]  # type: ignore[method-assign]
    del EventBus.physical_resource_id  # type: ignore[attr-defined]
