"""template.yaml's operational promises (docs/deploy.md): log level, alarms, reserved
concurrency, the optional Function URL, and what survives a stack deletion."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.support.aws import TEMPLATE
from tests.support.template_policy import GLOBAL_FN, RESOURCES, T, functions

ROOT = TEMPLATE.parent
STATEFUL = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Logs::LogGroup")
# Functions whose code talks to Telegram, so can meet a FLOOD_WAIT.
TELEGRAM_FUNCTIONS = {
    "AuthFunction",
    "DialogsFunction",
    "HistoryFunction",
    "MessagesFunction",
    "FilesFunction",
    "SyncFunction",
    "HistoryStreamFunction",
}
# Logger whose level each function's code sets from LOG_LEVEL.
FUNCTION_MODULES = {
    "functions.info.app": "tgscraper",
    "functions.auth.app": "tgscraper",
    "functions.dialogs.app": "tgscraper",
    "functions.history.app": "tgscraper",
    "functions.messages.app": "tgscraper",
    "functions.files.app": "tgscraper",
    "functions.sync.app": "tgscraper",
    "functions.authorizer.authorizer_app": "tgscraper.authorizer",
}


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == kind}


def _refs(value: Any) -> set[str]:
    """Every logical id a (nested) template value refers to by Ref, GetAtt or Sub, outside
    the true branch of an `!If [StreamHistory, ...]` (which exists only with it)."""
    if isinstance(value, dict):
        out: set[str] = set()
        for key, inner in value.items():
            if key == "If" and inner[0] == "StreamHistory":
                out |= _refs(inner[2])
                continue
            if key == "Ref" and isinstance(inner, str):
                out.add(inner)
            elif key == "GetAtt":
                out.add((inner if isinstance(inner, str) else inner[0]).split(".")[0])
            elif key == "Sub" and isinstance(inner, str):
                out.update(re.findall(r"\$\{([A-Za-z0-9]+)", inner))
            out |= _refs(inner)
        return out
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    return set()


# -- LOG_LEVEL ------------------------------------------------------------------------------
def test_every_function_gets_log_level_from_the_template_parameter() -> None:
    assert T["Parameters"]["LogLevel"]["Default"] == "INFO"
    assert GLOBAL_FN["Environment"]["Variables"]["LOG_LEVEL"] == {"Ref": "LogLevel"}
    for name, fn in functions().items():
        env = fn["Properties"].get("Environment", {}).get("Variables", {})
        assert "LOG_LEVEL" not in env, f"{name} must not override the parameter"
    # The authorizer has no layer: Lambda's JSON log format, at the same level.
    logging_config = RESOURCES["AuthorizerFunction"]["Properties"]["LoggingConfig"]
    assert logging_config["LogFormat"] == "JSON"
    assert logging_config["ApplicationLogLevel"] == {
        "FindInMap": ["LambdaLogLevel", {"Ref": "LogLevel"}, "Name"]
    }
    names = {row["Name"] for row in T["Mappings"]["LambdaLogLevel"].values()}
    assert set(T["Mappings"]["LambdaLogLevel"]) == set(T["Parameters"]["LogLevel"]["AllowedValues"])
    assert names <= {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}


@pytest.mark.parametrize("module", sorted(FUNCTION_MODULES))
@pytest.mark.parametrize("level", ["WARNING", "DEBUG"])
def test_each_functions_code_applies_log_level(module: str, level: str) -> None:
    """Imported as on Lambda (fresh process), the function's loggers take LOG_LEVEL."""
    name = FUNCTION_MODULES[module]
    level_of = f"logging.getLevelName(logging.getLogger({name!r}).level)"
    code = f"import logging, {module}; print({level_of})"
    env = {
        **os.environ,
        "LOG_LEVEL": level.lower(),
        "AWS_LAMBDA_FUNCTION_NAME": "tgscraper-test",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/common/python"), str(ROOT)]),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == level


# -- alarms ---------------------------------------------------------------------------------
def _alarm_actions_are_optional(alarm: dict[str, Any]) -> None:
    props = alarm["Properties"]
    for key in ("AlarmActions", "OKActions"):
        assert props[key] == {
            "If": ["NotifyAlarms", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }
    assert props["TreatMissingData"] == "notBreaching"


def test_alarm_topic_is_optional_and_every_alarm_notifies_it_only_when_given() -> None:
    assert T["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert T["Conditions"]["NotifyAlarms"] == {"Not": [{"Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
    alarms = _of_type("AWS::CloudWatch::Alarm")
    assert {
        "Api5xxAlarm",
        "LambdaErrorsAlarm",
        "LambdaThrottlesAlarm",
        "TelegramFloodWaitAlarm",
    } <= set(alarms)
    for alarm in alarms.values():
        _alarm_actions_are_optional(alarm)
        assert "Condition" not in alarm, "alarms exist in every configuration"


def test_api_5xx_alarm_watches_this_api() -> None:
    props = RESOURCES["Api5xxAlarm"]["Properties"]
    assert (props["Namespace"], props["MetricName"]) == ("AWS/ApiGateway", "5xx")
    assert props["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "Api"}}]


@pytest.mark.parametrize(
    ("alarm", "metric"), [("LambdaErrorsAlarm", "Errors"), ("LambdaThrottlesAlarm", "Throttles")]
)
def test_lambda_alarms_sum_the_metric_of_every_function(alarm: str, metric: str) -> None:
    queries = RESOURCES[alarm]["Properties"]["Metrics"]
    watched: dict[str, str | None] = {}
    for query in queries:
        condition = None
        if "If" in query:  # the optional streaming function
            condition, query, absent = query["If"]
            assert absent == {"Ref": "AWS::NoValue"}
        if "Expression" in query:
            assert query["Expression"] == "SUM(METRICS())" and query["ReturnData"] is True
            continue
        stat = query["MetricStat"]
        assert (stat["Metric"]["Namespace"], stat["Metric"]["MetricName"]) == ("AWS/Lambda", metric)
        [dimension] = stat["Metric"]["Dimensions"]
        watched[dimension["Value"]["Ref"]] = condition
    assert watched == {name: fn.get("Condition") for name, fn in functions().items()}


def test_flood_waits_are_counted_in_every_telegram_functions_log_group() -> None:
    groups = {
        res["Properties"]["LogGroupName"]["Sub"].removeprefix("/aws/lambda/${")[:-1]: logical
        for logical, res in _of_type("AWS::Logs::LogGroup").items()
        if "LogGroupName" in res["Properties"]
    }
    filters = _of_type("AWS::Logs::MetricFilter")
    counted = {}
    for res in filters.values():
        props = res["Properties"]
        [transform] = props["MetricTransformations"]
        assert props["FilterPattern"] == '{ $.event = "FLOOD_WAIT" }'
        assert transform["MetricName"] == "TelegramFloodWaits" and transform["MetricValue"] == "1"
        group = props["LogGroupName"]["Ref"]
        fn = next(f for f, g in groups.items() if g == group)
        assert res.get("Condition") == RESOURCES[fn].get("Condition")
        counted[fn] = transform["MetricNamespace"]
    assert set(counted) == TELEGRAM_FUNCTIONS
    alarm = RESOURCES["TelegramFloodWaitAlarm"]["Properties"]
    assert alarm["MetricName"] == "TelegramFloodWaits"
    assert set(map(str, counted.values())) == {str(alarm["Namespace"])}


# -- concurrency and the Function URL -----------------------------------------------------
def test_reserved_concurrency_is_a_parameter_off_by_default_for_the_api_functions() -> None:
    assert T["Parameters"]["ApiReservedConcurrency"]["Default"] == 0
    assert GLOBAL_FN["ReservedConcurrentExecutions"] == {
        "If": ["ReserveApiConcurrency", {"Ref": "ApiReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert T["Conditions"]["ReserveApiConcurrency"] == {
        "Not": [{"Equals": [{"Ref": "ApiReservedConcurrency"}, 0]}]
    }


def test_the_public_function_url_exists_only_with_streaming_and_is_capped() -> None:
    stream = RESOURCES["HistoryStreamFunction"]
    assert stream["Properties"]["ReservedConcurrentExecutions"] == {
        "Ref": "HistoryStreamReservedConcurrency"
    }
    assert T["Parameters"]["HistoryStreamReservedConcurrency"]["MinValue"] >= 1
    # Everything that points at the streaming function shares its condition.
    pointing = {
        name: res
        for name, res in RESOURCES.items()
        if name != "HistoryStreamFunction" and "HistoryStreamFunction" in _refs(res)
    }
    assert {"HistoryStreamUrl", "HistoryStreamUrlPermission"} <= set(pointing)
    for name, res in pointing.items():
        assert res.get("Condition") == "StreamHistory", name
    urls = _of_type("AWS::Lambda::Url")
    assert set(urls) == {"HistoryStreamUrl"}
    assert urls["HistoryStreamUrl"]["Properties"]["AuthType"] == "NONE"
    permissions = [r["Properties"] for r in _of_type("AWS::Lambda::Permission").values()]
    assert {"Action": "lambda:InvokeFunctionUrl", "FunctionUrlAuthType": "NONE"}.items() <= (
        next(p for p in permissions if p["Action"] == "lambda:InvokeFunctionUrl").items()
    )
    invoke = next(p for p in permissions if p["Action"] == "lambda:InvokeFunction")
    assert invoke["InvokedViaFunctionUrl"] is True, "public invoke only through the URL"
    output = T["Outputs"]["HistoryStreamUrl"]
    assert output["Condition"] == "StreamHistory"


def test_guided_deploy_with_defaults_meets_no_unauthenticated_url_prompt() -> None:
    """`sam deploy --guided` prompts (default No = abort) for every FunctionUrlConfig
    with AuthType NONE, ignoring Conditions; the template declares none."""
    for name, fn in functions().items():
        assert "FunctionUrlConfig" not in fn["Properties"], name
    assert "FunctionUrlConfig" not in GLOBAL_FN


# -- what survives a stack deletion --------------------------------------------------------
def _documented_policies() -> dict[str, tuple[str, str, str]]:
    """docs/deploy.md's table: resource -> (DeletionPolicy, UpdateReplacePolicy, PITR)."""
    rows = {}
    for line in (ROOT / "docs/deploy.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("`") and cells[1] in ("Retain", "Delete"):
            rows[cells[0].strip("`")] = (cells[1], cells[2], cells[3])
    return rows


def test_every_table_bucket_and_log_group_states_its_policies_as_documented() -> None:
    documented = _documented_policies()
    stateful = {k: v for k, v in RESOURCES.items() if v["Type"] in STATEFUL}
    assert set(documented) == set(stateful)
    for name, res in stateful.items():
        pitr = res["Properties"].get("PointInTimeRecoverySpecification", {})
        actual = (
            res.get("DeletionPolicy"),
            res.get("UpdateReplacePolicy"),
            "yes" if pitr.get("PointInTimeRecoveryEnabled") else "no",
        )
        assert actual == documented[name], name
    # Logins are kept; pure caches and coordination items are not.
    assert documented["SessionsTable"][0] == "Retain"
    for cache in ("LeasesTable", "QrTable", "MessagesTable"):
        assert documented[cache][:2] == ("Delete", "Delete"), cache


# -- checkov ---------------------------------------------------------------------------------
def test_every_skipped_checkov_check_has_its_reason_in_one_place() -> None:
    config = (ROOT / ".checkov.yaml").read_text()
    skips = re.findall(r"^\s*-\s*(CKV\w*)\s*(?:#\s*(.*))?$", config, flags=re.MULTILINE)
    assert skips, "the skip list is where checkov reads it"
    for check, reason in skips:
        assert len(reason.split()) >= 5, f"{check} is skipped without a reason"
    assert len({c for c, _ in skips}) == len(skips)
    # ...and nowhere else: no inline suppression in the template.
    assert "checkov" not in TEMPLATE.read_text().lower()


def test_sam_clis_own_guided_check_finds_no_unauthenticated_resource() -> None:
    """The check `sam deploy --guided` runs before its "has no authentication" prompt,
    on this template, with streaming off (the default) and on."""
    auth_utils = pytest.importorskip(
        "samcli.commands.deploy.auth_utils", reason="aws-sam-cli is not installed here"
    )
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

    for streaming in ("false", "true"):
        stacks, _ = SamLocalStackProvider.get_stacks(
            str(TEMPLATE), parameter_overrides={"HistoryStreaming": streaming}
        )
        checked = auth_utils.auth_per_resource(stacks)
        assert checked, "the check saw the functions"
        assert [name for name, ok in checked if not ok] == [], streaming
