"""template.yaml read as data: functions, routes and IAM statements in readable form.

Policy resources become short names: a logical id ("SessionsTable", "MediaBucket/*"),
"ssm:<parameter>" / "ssm:TelegramCredentials", or "kms:via-ssm".
"""

from __future__ import annotations

from typing import Any

from tests.support.aws import load_template

T = load_template()
RESOURCES: dict[str, Any] = T["Resources"]
GLOBAL_FN: dict[str, Any] = T["Globals"]["Function"]


def functions() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}


def routes() -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """(METHOD, path) -> (function, event properties), for every HttpApi event."""
    out: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for fn, res in functions().items():
        for event in res["Properties"].get("Events", {}).values():
            assert event["Type"] == "HttpApi", f"{fn}: every route is on the one HTTP API"
            props = event.get("Properties", {})
            key = (str(props.get("Method", "ANY")).upper(), str(props.get("Path", "$default")))
            assert key not in out, f"route {key} is mapped twice"
            out[key] = (fn, props)
    return out


ROUTE_ALIASES: dict[tuple[str, str], tuple[str, str]] = {
    # A t.me link in the path, slashes and all: API Gateway needs a greedy route for it;
    # in the app it is the history route's own {dialog_id:dialog_ref} path.
    ("GET", "/api/v3/history/t.me/{link+}"): ("GET", "/api/v3/history/{dialog_id}"),
    ("GET", "/api/v3/export/t.me/{link+}"): ("GET", "/api/v3/export/{dialog_id}"),
}
"""Template routes the app serves under another route's OpenAPI path."""


def canonical(route: tuple[str, str]) -> tuple[str, str]:
    return ROUTE_ALIASES.get(route, route)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resource_name(resource: Any) -> str:
    """A readable name for a policy Resource: logical id, parameter or key scope."""
    if isinstance(resource, dict) and "GetAtt" in resource:
        target = resource["GetAtt"]
        return str(target if isinstance(target, str) else target[0]).removesuffix(".Arn")
    text = resource["Sub"] if isinstance(resource, dict) and "Sub" in resource else resource
    assert isinstance(text, str), f"unexpected policy resource {resource!r}"
    if ":ssm:" in text:
        param = text.split("parameter", 1)[1]
        assert param.startswith("${") and param.endswith("}"), text
        name = param[2:-1]
        return "ssm:TelegramCredentials" if name.startswith("TelegramApi") else f"ssm:{name}"
    if ":kms:" in text:
        return "kms:via-ssm"
    if text.startswith("${") and ".Arn}" in text:
        logical, rest = text[2:].split(".Arn}", 1)
        return logical + rest
    return text


def statements(fn: str) -> list[dict[str, Any]]:
    policies = RESOURCES[fn]["Properties"].get("Policies", [])
    out: list[dict[str, Any]] = []
    for policy in policies:
        assert isinstance(policy, dict) and set(policy) == {"Statement"}, (
            f"{fn}: only inline statements (no managed or SAM policy templates)"
        )
        out.extend(policy["Statement"])
    return out


def attribute_allow_list(statement: dict[str, Any]) -> set[str] | None:
    """The dynamodb:Attributes a statement restricts writes to, or None (unrestricted)."""
    cond = statement.get("Condition", {}).get("ForAllValues:StringEquals", {})
    attrs = cond.get("dynamodb:Attributes")
    return None if attrs is None else set(attrs)


def allows(fn: str, action: str, resource: str, attributes: set[str] | None = None) -> bool:
    """Whether one of fn's statements allows `action` on `resource` (short name), with
    `attributes` (the request's attribute names) inside any dynamodb:Attributes list."""
    for st in statements(fn):
        if st["Effect"] != "Allow" or action not in as_list(st["Action"]):
            continue
        if resource not in {resource_name(r) for r in as_list(st["Resource"])}:
            continue
        allowed = attribute_allow_list(st)
        if allowed is None or (attributes or set()) <= allowed:
            return True
    return False
