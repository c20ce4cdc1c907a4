"""`python -m local aws-init`: the tables and bucket it creates are template.yaml's own
declarations, field by field, read back from (moto's) AWS APIs.

The expectations below come from the template through the tests' own YAML loader
(tests/support/aws.py), not from aws-init's resolver, so a resolver bug cannot hide.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import aws_init
from local.cfn_template import TemplateError
from tests.support.aws import TEMPLATE, load_template
from tgscraper.config import Settings

RESOURCES: dict[str, Any] = load_template()["Resources"]
TABLES = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::DynamoDB::Table"}
REGION = "eu-west-1"


def _settings() -> Settings:
    return Settings(
        storage_backend="aws",
        sessions_table="i-sessions",
        leases_table="i-leases",
        qr_table="i-qr",
        messages_table="i-messages",
        media_table="i-media",
        accounts_table="i-accounts",
        media_bucket="i-media-bucket",
    )


def _name(logical: str, settings: Settings) -> str:
    env = aws_init.storage_bindings(load_template())[logical]
    return str(getattr(settings, env.lower()))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


def test_every_table_is_created_as_the_template_declares(aws: None) -> None:
    settings = _settings()
    report = aws_init.run(settings)
    assert not report.problems
    client = boto3.client("dynamodb", region_name=REGION)
    assert len(TABLES) == 6
    for logical, res in TABLES.items():
        props, name = res["Properties"], _name(logical, settings)
        desc = client.describe_table(TableName=name)["Table"]
        assert sorted(map(str, desc["KeySchema"])) == sorted(map(str, props["KeySchema"]))
        assert sorted(map(str, desc["AttributeDefinitions"])) == sorted(
            map(str, props["AttributeDefinitions"])
        )
        assert desc["BillingModeSummary"]["BillingMode"] == props["BillingMode"]
        if props.get("SSESpecification", {}).get("SSEEnabled"):
            assert desc["SSEDescription"]["Status"] == "ENABLED", logical
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        declared_ttl = props["TimeToLiveSpecification"]
        assert ttl["AttributeName"] == declared_ttl["AttributeName"] == "expires_at"
        assert ttl["TimeToLiveStatus"] == ("ENABLED" if declared_ttl["Enabled"] else "DISABLED")
        backups = client.describe_continuous_backups(TableName=name)[
            "ContinuousBackupsDescription"
        ]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        pitr = props.get("PointInTimeRecoverySpecification", {})
        assert backups == ("ENABLED" if pitr.get("PointInTimeRecoveryEnabled") else "DISABLED")
        assert f"{name} ({logical}, $" in "\n".join(report.lines)


def test_the_bucket_is_created_as_the_template_declares(aws: None) -> None:
    settings = _settings()
    aws_init.run(settings)
    props = RESOURCES["MediaBucket"]["Properties"]
    s3 = boto3.client("s3", region_name=REGION)
    bucket = settings.media_bucket
    location = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"]
    assert location == REGION
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == props["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    declared = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == declared["ServerSideEncryptionByDefault"]
    assert rule.get("BucketKeyEnabled", False) == declared.get("BucketKeyEnabled", False)
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert ownership == props["OwnershipControls"]
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    assert versioning == props.get("VersioningConfiguration", {}).get("Status")
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    # MediaCacheDays defaults to 0: the !If drops the expiry rule, the abort rule stays.
    assert [r["ID"] for r in rules] == ["AbortIncompleteUploads"]
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rules[0]["Status"] == "Enabled"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    declared_policy = RESOURCES["MediaBucketPolicy"]["Properties"]["PolicyDocument"]
    [statement] = policy["Statement"]
    assert statement["Sid"] == declared_policy["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(statement["Resource"]) == [
        f"arn:aws:s3:::{bucket}",
        f"arn:aws:s3:::{bucket}/*",
    ]


def test_a_template_parameter_turns_on_the_conditional_expiry_rule(aws: None) -> None:
    settings = _settings()
    aws_init.run(settings, parameters={"MediaCacheDays": "30"})
    s3 = boto3.client("s3", region_name=REGION)
    rules = {
        r["ID"]: r
        for r in s3.get_bucket_lifecycle_configuration(Bucket=settings.media_bucket)["Rules"]
    }
    assert set(rules) == {"AbortIncompleteUploads", "ExpireCachedMedia"}
    assert rules["ExpireCachedMedia"]["Expiration"] == {"Days": 30}


def test_a_second_run_creates_nothing_and_says_what_exists(aws: None) -> None:
    settings = _settings()
    first = aws_init.run(settings)
    assert sum(line.startswith("created ") for line in first.lines) == 7
    second = aws_init.run(settings)
    assert not second.problems
    assert not any(line.startswith("created ") for line in second.lines)
    assert sum(line.startswith("exists: ") for line in second.lines) == 7


def test_an_existing_table_with_other_keys_is_reported_not_changed(aws: None) -> None:
    settings = _settings()
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=settings.qr_table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    report = aws_init.run(settings)
    assert len(report.problems) == 1
    assert settings.qr_table in report.problems[0] and "QrTable" in report.problems[0]


def test_no_region_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(aws_init.InitError, match="AWS_REGION"):
        aws_init.run(_settings())


def test_an_unknown_parameter_is_refused(aws: None) -> None:
    with pytest.raises(TemplateError, match="NoSuchParam"):
        aws_init.run(_settings(), parameters={"NoSuchParam": "1"})


def test_the_names_follow_the_environment_variables_of_tgscraper_config(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESSAGES_TABLE", "from-env-messages")
    assert aws_init.main(_Args()) == 0
    names = boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
    assert "from-env-messages" in names


class _Args:
    template = str(TEMPLATE)
    parameter: list[str] | None = None


def test_a_deny_unless_tls_statement_is_left_out_only_on_plain_http_endpoints() -> None:
    from local.aws_init_apply import policy_for_endpoint

    declared = RESOURCES["MediaBucketPolicy"]["Properties"]["PolicyDocument"]
    assert policy_for_endpoint(declared, None) == (declared, [])
    assert policy_for_endpoint(declared, "https://s3.example.test") == (declared, [])
    assert policy_for_endpoint(declared, "http://127.0.0.1:5000") == (
        None,
        ["DenyInsecureTransport"],
    )
    other = {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    mixed = {"Statement": [*declared["Statement"], other]}
    assert policy_for_endpoint(mixed, "http://localhost:4566") == (
        {"Statement": [other]},
        ["DenyInsecureTransport"],
    )
