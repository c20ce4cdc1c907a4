"""template.yaml read as CloudFormation would: short tags (!Ref, !Sub, !If, ...) loaded
and the intrinsic functions that storage resources use resolved against parameter values.

Used by `python -m local aws-init`, so the tables and bucket it creates are the template's
own declarations, not a copy that could drift. PyYAML is already a runtime dependency, so
this works after `make run`'s runtime-only install (cfn-lint is a dev tool).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


class TemplateError(ValueError):
    """The template uses something this resolver does not support, or is inconsistent."""


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref X` into {"Ref": X}, `!Sub s` into {"Fn::Sub": s}, ..."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    with open(path) as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=_CfnLoader)  # a SafeLoader subclass
    return data


class _NoValue:
    """AWS::NoValue: the property or list element is dropped."""


NO_VALUE = _NoValue()
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    """Resolves intrinsic functions in resource properties.

    `physical` maps logical ids to their physical names (what `Ref` of a table or bucket
    returns); parameters take their template defaults unless overridden.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        physical: Mapping[str, str],
        region: str,
        parameters: Mapping[str, str] | None = None,
        account: str = "000000000000",
        partition: str = "aws",
    ) -> None:
        self._template = template
        self._physical = dict(physical)
        self._pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "tgscraper-local",
        }
        self._params = self._parameter_values(parameters or {})

    def _parameter_values(self, overrides: Mapping[str, str]) -> dict[str, Any]:
        declared: dict[str, Any] = self._template.get("Parameters", {})
        unknown = set(overrides) - set(declared)
        if unknown:
            raise TemplateError(f"unknown template parameter(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            raw = overrides.get(name, spec.get("Default"))
            if raw is None:
                continue  # only an error if something refers to it
            if spec.get("Type") == "Number":
                number = float(raw)
                values[name] = int(number) if number.is_integer() else number
            else:
                values[name] = str(raw)
        return values

    # -- conditions ------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        conditions: dict[str, Any] = self._template.get("Conditions", {})
        if name not in conditions:
            raise TemplateError(f"unknown condition {name!r}")
        return bool(self.resolve(conditions[name]))

    def include(self, resource: Mapping[str, Any]) -> bool:
        """False for a resource whose Condition is false (CloudFormation skips it)."""
        cond = resource.get("Condition")
        return cond is None or self.condition(str(cond))

    # -- values ----------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key == "Condition" or key.startswith("Fn::"):
                return self._intrinsic(key, arg)
        out = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self._ref(str(arg))
        if key == "Condition":
            return self.condition(str(arg))
        if key == "Fn::If":
            name, when_true, when_false = arg
            return self.resolve(when_true if self.condition(name) else when_false)
        if key == "Fn::Equals":
            left, right = (self.resolve(v) for v in arg)
            return str(left) == str(right)  # CloudFormation compares strings
        if key == "Fn::Not":
            return not self.resolve(arg[0])
        if key == "Fn::And":
            return all(self.resolve(v) for v in arg)
        if key == "Fn::Or":
            return any(self.resolve(v) for v in arg)
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::Join":
            sep, parts = arg
            return str(sep).join(str(p) for p in self.resolve(parts))
        if key == "Fn::GetAtt":
            logical, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self._get_att(logical, attr)
        raise TemplateError(f"intrinsic function {key} is not supported by aws-init")

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._params:
            return self._params[name]
        if name in self._physical:
            return self._physical[name]
        raise TemplateError(f"!Ref {name}: not a parameter or a resource aws-init creates")

    def _get_att(self, logical: str, attr: str) -> str:
        if logical not in self._physical:
            raise TemplateError(f"!GetAtt {logical}.{attr}: not a resource aws-init creates")
        resource_type = self._template["Resources"][logical]["Type"]
        name, part = self._physical[logical], self._pseudo["AWS::Partition"]
        if attr == "Arn" and resource_type == "AWS::S3::Bucket":
            return f"arn:{part}:s3:::{name}"
        if attr == "Arn" and resource_type == "AWS::DynamoDB::Table":
            region, account = self._pseudo["AWS::Region"], self._pseudo["AWS::AccountId"]
            return f"arn:{part}:dynamodb:{region}:{account}:table/{name}"
        raise TemplateError(f"!GetAtt {logical}.{attr} is not supported by aws-init")

    def _sub(self, arg: Any) -> str:
        text, local_vars = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        resolved_vars = {k: self.resolve(v) for k, v in local_vars.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in resolved_vars:
                return str(resolved_vars[name])
            if "." in name:
                logical, attr = name.split(".", 1)
                return self._get_att(logical, attr)
            return str(self._ref(name))

        return _SUB_VAR.sub(replace, text)
