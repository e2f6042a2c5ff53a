"""cdk-nag suppressions, each next to the grant it justifies and with the reason why."""

from __future__ import annotations

from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct


def suppress(construct: IConstruct, rule: str, reason: str, *applies_to: str) -> None:
    """Suppress `rule` on `construct` and its children, only for the findings named.

    A finding given as "/regex/" matches by regular expression (for findings that name a
    logical id or region).
    """
    findings: list[str | RegexAppliesTo] = [
        RegexAppliesTo(regex=f"{finding}g") if finding.startswith("/") else finding
        for finding in applies_to
    ]
    NagSuppressions.add_resource_suppressions(
        construct,
        [NagPackSuppression(id=rule, reason=reason, applies_to=findings or None)],
        apply_to_children=True,
    )
