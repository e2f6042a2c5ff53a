"""Least privilege, judged by the calls: what each deployed function asks of AWS, against
the policies its deployed role really has.

The rehearsal runs each function's code with the credentials of its role (the
emulator's sts:AssumeRole on the role the stack created), and a `CallRecorder` hooks every
botocore session made meanwhile: before a request is sent it notes the action, the
resource ARNs and whose credentials signed it. `Judge` then reads the role's policies
back from the emulator's IAM, adds what a call implies (the topic key's data-key actions
for a publish to an SSE-KMS topic, a queue key's for SQS, each item's action in a
DynamoDB transaction), and evaluates each call against them and against the resource's
own policy (topic, queue, key, and the trust policy of a role assumed in another account).

Identity policies are evaluated by moto's own `IAMPolicy` (action and resource matching,
explicit Deny first). Resource policies are evaluated here, statement by statement: moto
treats a conditional Deny as always denying, which every topic and queue with `enforce_ssl`
has. Not modelled, and so proven only by a real account: conditions other than the few
keys of `REQUEST_CONTEXT` (a statement conditioned on an unknown key is taken not to allow
and to deny), service control policies, permission boundaries, session policies, KMS
grants, VPC endpoint policies, and whether a service principal's statement (CloudWatch,
EventBridge) lets that service in.

Adding a function: run its code inside `recorder.recording()` with
`recorder.assume(function, role_arn)`'s credentials; a call whose resource this module
cannot name fails the check until `RESOURCES` (or `NO_RESOURCE_LEVEL`) names it.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any
from unittest import mock

import botocore.session
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult
from moto.kms.models import kms_backends

# -- what a call is --------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    function: str  # the jobtracker function whose code holds the credentials
    role_arn: str  # the role they were issued for

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]


@dataclass(frozen=True)
class Call:
    function: str
    role_arn: str
    action: str
    resource: str
    # The API call this permission is checked for, when it is not the action itself (a
    # publish's kms:GenerateDataKey, a transaction's dynamodb:PutItem).
    implied_by: str = ""

    def named(self) -> str:
        via = f" (for {self.implied_by})" if self.implied_by else ""
        return f"{self.function}: {self.action} on {self.resource}{via}"


Resolver = Callable[[dict[str, Any], str, str], list[str]]

# Operations whose IAM action names no resource: checked against Resource "*".
NO_RESOURCE_LEVEL = {
    "sagemaker:ListTrainingJobs",
    "pricing:GetProducts",
    "sts:GetCallerIdentity",
    "cloudwatch:PutMetricData",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}
# IAM authorises these batch operations under the single action's name.
ACTION_OF = {
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sns:PublishBatch": "sns:Publish",
}
# botocore signing names that differ from the IAM service prefix.
IAM_PREFIX = {"monitoring": "cloudwatch"}


def _table_arn(region: str, account: str, table: str) -> str:
    return (
        table if table.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{table}"
    )


def dynamodb_resources(params: dict[str, Any], region: str, account: str) -> list[str]:
    """The table, or the index a query reads (which IAM checks on its own ARN)."""
    tables = [params["TableName"]] if "TableName" in params else list(params["RequestItems"])
    arns = [_table_arn(region, account, table) for table in tables]
    if params.get("IndexName"):
        return [f"{arns[0]}/index/{params['IndexName']}"]
    return arns


def queue_arn(url: str, region: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{region}:{account}:{name}"


# The resource of each call, by IAM action (or by service prefix for every action of it).
RESOURCES: dict[str, Resolver] = {
    "dynamodb": dynamodb_resources,
    "sns": lambda p, region, account: [p["TopicArn"]],
    "sqs": lambda p, region, account: [queue_arn(p["QueueUrl"], region)],
    "secretsmanager": lambda p, region, account: [p["SecretId"]],
    "kms": lambda p, region, account: [p["KeyId"]],
    "sts:AssumeRole": lambda p, region, account: [p["RoleArn"]],
    "sagemaker:DescribeTrainingJob": lambda p, region, account: [
        # SageMaker's ARNs hold the job's name in lower case.
        f"arn:aws:sagemaker:{region}:{account}:training-job/{p['TrainingJobName'].lower()}"
    ],
    "sagemaker:ListTags": lambda p, region, account: [p["ResourceArn"]],
}


def transaction_items(action: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """A DynamoDB transaction is authorised per item: (action, table) of each."""
    if action not in ("dynamodb:TransactWriteItems", "dynamodb:TransactGetItems"):
        return []
    actions = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
    actions |= {"ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
    return [
        (f"dynamodb:{actions[kind]}", body["TableName"])
        for item in params["TransactItems"]
        for kind, body in item.items()
    ]


# -- recording -------------------------------------------------------------------------


@dataclass
class CallRecorder:
    """Every AWS call of the function code run inside `recording()`, by whose credentials."""

    assume_role: Callable[[str, str], dict[str, str]]  # (role ARN, session) -> Credentials
    principals: dict[str, Principal] = field(default_factory=dict)  # by access key id
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def assume(self, function: str, role_arn: str) -> dict[str, str]:
        """The role's credentials, as Lambda hands them to the function's process."""
        issued = self.assume_role(role_arn, function)
        self.principals[issued["AccessKeyId"]] = Principal(function, role_arn)
        return {
            "AWS_ACCESS_KEY_ID": issued["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": issued["SecretAccessKey"],
            "AWS_SESSION_TOKEN": issued["SessionToken"],
        }

    @contextmanager
    def recording(self) -> Iterator[CallRecorder]:
        """Hooks every botocore session made inside (boto3's, PynamoDB's, jobtracker's)."""
        original = botocore.session.Session.__init__
        recorder = self

        def init(session: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
            original(session, *args, **kwargs)
            recorder.hook(session)

        with mock.patch.object(botocore.session.Session, "__init__", init):
            yield self

    def hook(self, session: botocore.session.Session) -> None:
        events = session.get_component("event_emitter")
        events.register("before-parameter-build", self._remember)
        # Last: after the client's signer, so the request names whose credentials sign it.
        events.register_last("request-created", self._record)
        events.register("after-call.sts.AssumeRole", self._learn_assumed)

    @staticmethod
    def _remember(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        context["least_privilege"] = (model, dict(params))

    def _record(self, request: Any, **_: Any) -> None:
        context = request.context
        if "least_privilege" not in context or context.get("least_privilege_recorded"):
            return  # not an API call, or a retry of one already recorded
        context["least_privilege_recorded"] = True
        model, params = context["least_privilege"]
        key, signed_region = _credential_scope(request.headers)
        service = model.service_model.signing_name
        action = f"{IAM_PREFIX.get(service, service)}:{model.name}"
        principal = self.principals.get(key)
        if principal is None:
            self.problems.append(f"{action} signed by {key or 'nobody'}, not a function's role")
            return
        context["least_privilege_caller"] = principal.function
        region = context.get("client_region") or signed_region
        try:
            self.calls += calls_of(principal, action, params, region)
        except KeyError as missing:
            self.problems.append(f"{principal.function}: {action} names no resource {missing}")

    def _learn_assumed(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        """A member role the function assumed: its calls are that function's, as that role."""
        caller = context.get("least_privilege_caller")
        issued = parsed.get("Credentials")
        if caller and issued:
            _, params = context["least_privilege"]
            self.principals[issued["AccessKeyId"]] = Principal(caller, params["RoleArn"])


def calls_of(principal: Principal, action: str, params: dict[str, Any], region: str) -> list[Call]:
    action = ACTION_OF.get(action, action)

    def call(action: str, resource: str, implied_by: str = "") -> Call:
        return Call(principal.function, principal.role_arn, action, resource, implied_by)

    items = transaction_items(action, params)
    if items:
        return [
            call(item, _table_arn(region, principal.account, table), action)
            for item, table in items
        ]
    if action in NO_RESOURCE_LEVEL:
        return [call(action, "*")]
    resolve = RESOURCES.get(action) or RESOURCES.get(action.split(":")[0])
    if resolve is None:
        raise KeyError(f"(add {action} to RESOURCES or NO_RESOURCE_LEVEL)")
    return [call(action, arn) for arn in resolve(params, region, principal.account)]


def _credential_scope(headers: Any) -> tuple[str, str]:
    """(access key id, region) of a SigV4 signature's credential scope; blank if unsigned."""
    text = headers.get("Authorization", b"")
    text = text.decode() if isinstance(text, bytes) else text
    match = re.search(r"Credential=([^/]+)/\d+/([^/]+)/", text)
    return (match.group(1), match.group(2)) if match else ("", "")


# -- judging ---------------------------------------------------------------------------

# What this evaluator knows of a request besides its principal: every call of a function
# goes over TLS (botocore's endpoints are https; the emulator's http is the rehearsal's).
REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


class Emulator:
    """The deployed policies, read back from the emulator (any account, by its header)."""

    def __init__(self, client: Callable[[str, str | None], Any]) -> None:
        self.client = client  # (service, account or None for the tracker's) -> client

    def identity_policies(self, role_arn: str) -> list[str]:
        iam = self.client("iam", role_arn.split(":")[4])
        name = role_arn.rsplit("/", 1)[-1]
        documents = [
            iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
        ]
        for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
            documents.append(
                iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)[
                    "PolicyVersion"
                ]["Document"]
            )
        return [json.dumps(policy_document(d)) for d in documents]

    def resource_policy(self, call: Call) -> dict[str, Any] | None:
        service = call.action.split(":")[0]
        account = call.resource.split(":")[4] if call.resource.startswith("arn:") else None
        if service == "sns":
            attributes = self.topic_attributes(call.resource)
            return json.loads(attributes["Policy"]) if "Policy" in attributes else None
        if service == "sqs":
            attributes = self.queue_attributes(call.resource)
            return json.loads(attributes["Policy"]) if "Policy" in attributes else None
        if service == "kms":
            policy = self.key(call.resource, str(account)).policy
            return dict(json.loads(policy) if isinstance(policy, str) else policy)
        if call.action == "sts:AssumeRole":
            role = self.client("iam", account).get_role(RoleName=call.resource.rsplit("/", 1)[-1])
            trust = role["Role"]["AssumeRolePolicyDocument"]
            return dict(json.loads(trust) if isinstance(trust, str) else trust)
        return None

    def topic_attributes(self, topic_arn: str) -> dict[str, str]:
        sns = self.client("sns", topic_arn.split(":")[4])
        attributes: dict[str, str] = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        return attributes

    def queue_attributes(self, arn: str) -> dict[str, str]:
        account, name = arn.split(":")[4:6]
        sqs = self.client("sqs", account)
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        attributes: dict[str, str] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
            "Attributes"
        ]
        return attributes

    @staticmethod
    def key(key: str, account: str, region: str = "") -> Any:
        """The emulator's key, from its backend in this process: moto's CloudFormation keeps
        a key's policy as an object, which its KMS API then fails to answer (HTTP 500)."""
        region = region or key.split(":")[3]
        return kms_backends[account][region].describe_key(key)

    def implied(self, call: Call) -> list[Call]:
        """What AWS checks besides the call's own action: the key of an encrypted topic or
        queue (SNS and SQS use it with the caller's permissions)."""
        key_actions: tuple[str, ...] = ()
        key = ""
        if call.action == "sns:Publish":
            key = self.topic_attributes(call.resource).get("KmsMasterKeyId", "")
            key_actions = ("kms:GenerateDataKey", "kms:Decrypt")
        elif call.action in ("sqs:SendMessage", "sqs:ReceiveMessage"):
            key = self.queue_attributes(call.resource).get("KmsMasterKeyId", "")
            sending = call.action == "sqs:SendMessage"
            key_actions = ("kms:GenerateDataKey", "kms:Decrypt") if sending else ("kms:Decrypt",)
        if not key:
            return []
        _, _, _, region, account, _ = call.resource.split(":", 5)
        arn = self.key(key, account, region).arn
        return [
            Call(call.function, call.role_arn, action, arn, call.action) for action in key_actions
        ]


def policy_document(document: str | dict[str, Any]) -> dict[str, Any]:
    """A policy as IAM holds it. moto's CloudFormation keeps a role's inline `Policies`
    as Python's text of the document (single quotes), which its IAM API hands back."""
    if isinstance(document, dict):
        return document
    try:
        parsed = json.loads(document)
    except json.JSONDecodeError:
        parsed = ast.literal_eval(document)
    return dict(parsed)


@dataclass(frozen=True)
class Verdict:
    call: Call
    allowed: bool
    reason: str


def evaluate_identity(documents: list[str], call: Call) -> PermissionResult:
    """moto's IAM evaluation of the role's own policies: a Deny wins, then any Allow."""
    permitted = False
    for document in documents:
        result = IAMPolicy(document).is_action_permitted(call.action, call.resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


# A resource policy statement that names the caller's account (its root): it lets the
# account's own IAM policies decide, rather than allowing by itself.
DELEGATED = "delegated"


def evaluate_resource(policy: dict[str, Any], call: Call) -> str:
    """PERMITTED, DENIED, DELEGATED or NEUTRAL (by name) for `call` under `policy`."""
    statements = policy["Statement"]
    outcome = "NEUTRAL"
    for statement in statements if isinstance(statements, list) else [statements]:
        if not _concerns(statement, call):
            continue
        named = _principal_match(statement.get("Principal"), call)
        holds = _conditions_hold(statement.get("Condition", {}), call)
        if named is None or holds is False:
            continue
        if statement["Effect"] == "Deny":
            return "DENIED"  # a Deny on a condition not modelled is taken to apply
        if holds is None:
            continue  # an Allow on a condition not modelled is not counted on
        if named == "role":
            outcome = "PERMITTED"
        elif outcome == "NEUTRAL":
            outcome = DELEGATED
    return outcome


def _concerns(statement: dict[str, Any], call: Call) -> bool:
    """Action and resource match (actions are case-insensitive in IAM, ARNs are not)."""
    if "NotAction" in statement:
        action = not _matches(statement["NotAction"], call.action, case=False)
    else:
        action = _matches(statement.get("Action", []), call.action, case=False)
    if "NotResource" in statement:
        return action and not _matches(statement["NotResource"], call.resource)
    return action and _matches(statement.get("Resource", "*"), call.resource)


def _principal_match(principal: Any, call: Call) -> str | None:
    """'role' when the statement names the caller (or anyone), 'account' when it names the
    caller's account, None when it names someone else (a service, another account)."""
    if principal == "*":
        return "role"
    if not isinstance(principal, dict) or "AWS" not in principal:
        return None
    account = call.role_arn.split(":")[4]
    named = principal["AWS"] if isinstance(principal["AWS"], list) else [principal["AWS"]]
    if "*" in named or call.role_arn in named:
        return "role"
    if account in named or f"arn:aws:iam::{account}:root" in named:
        return "account"
    return None


# The condition operators evaluated here; any other makes the statement not modelled.
OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda wanted, actual: wanted == actual,
    "ArnEquals": lambda wanted, actual: wanted == actual,
    "StringLike": lambda wanted, actual: _matches(wanted, actual),
    "ArnLike": lambda wanted, actual: _matches(wanted, actual),
    "Bool": lambda wanted, actual: wanted.lower() == actual.lower(),
}


def _conditions_hold(conditions: dict[str, dict[str, Any]], call: Call) -> bool | None:
    """Whether every condition holds for the call; None when one is not modelled."""
    known = {
        **REQUEST_CONTEXT,
        "aws:PrincipalArn": call.role_arn,
        "aws:PrincipalAccount": call.role_arn.split(":")[4],
    }
    for operator, tests in conditions.items():
        for key, expected in tests.items():
            if key not in known or operator not in OPERATORS:
                return None
            wanted = expected if isinstance(expected, list) else [expected]
            if not any(OPERATORS[operator](str(w), known[key]) for w in wanted):
                return False
    return True


def _matches(patterns: Any, value: str, case: bool = True) -> bool:
    flags = 0 if case else re.IGNORECASE
    for pattern in patterns if isinstance(patterns, list) else [patterns]:
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        if re.fullmatch(regex, value, flags):
            return True
    return False


@dataclass
class Judge:
    emulator: Emulator
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def checked(self) -> list[Call]:
        return [verdict.call for verdict in self.verdicts]

    def judge(self, calls: list[Call]) -> list[Verdict]:
        """Each distinct call and what it implies, allowed or denied with the reason."""
        distinct = list(dict.fromkeys(calls))
        checked = list(
            dict.fromkeys(c for call in distinct for c in [call, *self.emulator.implied(call)])
        )
        verdicts = [self.verdict(call) for call in checked]
        self.verdicts += verdicts
        return verdicts

    def verdict(self, call: Call) -> Verdict:
        identity = evaluate_identity(self.emulator.identity_policies(call.role_arn), call)
        policy = self.emulator.resource_policy(call)
        resource = evaluate_resource(policy, call) if policy else "NEUTRAL"
        caller_account = call.role_arn.split(":")[4]
        resource_account = call.resource.split(":")[4] if call.resource.startswith("arn:") else ""
        role = call.role_arn.rsplit("/", 1)[-1]
        if identity == PermissionResult.DENIED or resource == "DENIED":
            where = "its role's policy" if identity == PermissionResult.DENIED else "the resource's"
            return Verdict(call, False, f"explicitly denied by {where}")
        allows = identity == PermissionResult.PERMITTED
        if resource_account and resource_account != caller_account:
            if not policy or resource == "NEUTRAL":
                return Verdict(call, False, "the resource's policy does not admit role " + role)
            if not allows:
                return Verdict(call, False, f"role {role} has no {call.action} on it")
            return Verdict(call, True, "role and resource policy allow (cross-account)")
        if call.action.startswith("kms:"):
            if resource == "PERMITTED" or (resource == DELEGATED and allows):
                return Verdict(call, True, "key policy and role allow")
            if resource == "NEUTRAL":
                return Verdict(call, False, "the key policy neither allows nor delegates to IAM")
            return Verdict(call, False, f"role {role} has no {call.action} on the key")
        if allows or resource == "PERMITTED":
            return Verdict(call, True, "allowed")
        return Verdict(call, False, f"role {role} has no {call.action} on it")


# -- grants no call needed -------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    function: str
    role_arn: str
    action: str
    resource: str


def role_grants(function: str, role_arn: str, documents: list[str]) -> list[Grant]:
    grants: list[Grant] = []
    for document in documents:
        statements = json.loads(document)["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement["Effect"] != "Allow":
                continue
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            resources = statement["Resource"]
            for action in actions:
                for resource in resources if isinstance(resources, list) else [resources]:
                    grants.append(Grant(function, role_arn, action, resource))
    return grants


def used(grant: Grant, calls: list[Call]) -> bool:
    statement = IAMPolicyStatement(
        {"Effect": "Allow", "Action": grant.action, "Resource": grant.resource}
    )
    return any(
        call.role_arn == grant.role_arn
        and statement.is_action_permitted(call.action, call.resource) == PermissionResult.PERMITTED
        for call in calls
    )


def as_report(item: Verdict | Grant, reason: str = "") -> dict[str, str]:
    if isinstance(item, Verdict):
        return {**asdict(item.call), "reason": item.reason}
    return {**asdict(item), "reason": reason}
