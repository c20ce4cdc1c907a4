"""aws-init's API half: CloudFormation resource properties (already resolved) turned into
the DynamoDB / S3 calls that give a table or bucket the same configuration.

Every property is either applied or reported as "not applied" on its own line: nothing
the template declares is dropped silently.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.aws_init import Report

_WAIT = {"Delay": 1, "MaxAttempts": 120}
"""Table creation on AWS takes seconds; a hung endpoint fails after ~2 minutes."""

_TABLE_CREATE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "TableClass",
    "DeletionProtectionEnabled",
    "Tags",
)
_TABLE_AFTER_KEYS = ("TimeToLiveSpecification", "PointInTimeRecoverySpecification")
_TABLE_IGNORED = {"TableName": "the physical name comes from the environment variable"}


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


# -- DynamoDB ------------------------------------------------------------------------------
def table_create_args(name: str, props: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"TableName": name}
    args.update({k: props[k] for k in _TABLE_CREATE_KEYS if k in props})
    sse = props.get("SSESpecification")
    if sse is not None:
        args["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled", False))}
        for key in ("SSEType", "KMSMasterKeyId"):
            if key in sse:
                args["SSESpecification"][key] = sse[key]
    stream = props.get("StreamSpecification")
    if stream is not None:
        args["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    return args


def _key_shape(desc: dict[str, Any]) -> tuple[Any, ...]:
    keys = sorted((k["AttributeName"], k["KeyType"]) for k in desc.get("KeySchema", []))
    attrs = {a["AttributeName"]: a["AttributeType"] for a in desc.get("AttributeDefinitions", [])}
    return tuple((name, kind, attrs.get(name)) for name, kind in keys)


def apply_table(client: Any, name: str, props: dict[str, Any], label: str, report: Report) -> None:
    handled = {*_TABLE_CREATE_KEYS, *_TABLE_AFTER_KEYS, "SSESpecification", "StreamSpecification"}
    for key in sorted(set(props) - handled):
        why = _TABLE_IGNORED.get(key, "aws-init does not apply this property")
        report.say(f"  note: {label}: {key} not applied ({why})")
    try:
        desc = client.describe_table(TableName=name)["Table"]
    except Exception as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise
        client.create_table(**table_create_args(name, props))
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig=_WAIT)
        report.say(f"created table {label}")
    else:
        wanted = _key_shape(props)
        if _key_shape(desc) != wanted:
            report.problem(
                f"table {label} exists with keys {_key_shape(desc)} but the template declares "
                f"{wanted}: delete it or name another table"
            )
            return
        report.say(f"exists: table {label} (keys match; TTL and backups re-applied)")
    _apply_ttl(client, name, props.get("TimeToLiveSpecification"))
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr is not None:
        client.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": bool(pitr.get("PointInTimeRecoveryEnabled"))
            },
        )


def _apply_ttl(client: Any, name: str, ttl: dict[str, Any] | None) -> None:
    if ttl is None:
        return
    enabled = bool(ttl.get("Enabled"))
    current = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    is_on = current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
    if is_on == enabled and (not enabled or current.get("AttributeName") == ttl["AttributeName"]):
        return  # DynamoDB rejects a no-op TTL update
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": enabled},
    )


# -- S3 ------------------------------------------------------------------------------------
def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """One CloudFormation lifecycle rule in the PutBucketLifecycleConfiguration shape."""
    out: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        out["ID"] = rule["Id"]
    prefix = rule.get("Prefix", "")
    out["Filter"] = {"Prefix": prefix}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    if "NoncurrentVersionExpirationInDays" in rule:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])
        }
    if "NoncurrentVersionExpiration" in rule:
        nve = rule["NoncurrentVersionExpiration"]
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(nve["NoncurrentDays"])}
    return out


def encryption_config(props: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in props["ServerSideEncryptionConfiguration"]:
        default = rule.get("ServerSideEncryptionByDefault", {})
        api_default = {"SSEAlgorithm": default["SSEAlgorithm"]}
        if "KMSMasterKeyID" in default:
            api_default["KMSMasterKeyID"] = default["KMSMasterKeyID"]
        api_rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": api_default}
        if "BucketKeyEnabled" in rule:
            api_rule["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
        rules.append(api_rule)
    return {"Rules": rules}


_BUCKET_HANDLED = {
    "BucketEncryption",
    "PublicAccessBlockConfiguration",
    "OwnershipControls",
    "LifecycleConfiguration",
    "VersioningConfiguration",
    "Tags",
}


def apply_bucket(
    client: Any, name: str, props: dict[str, Any], label: str, report: Report, *, region: str
) -> None:
    for key in sorted(set(props) - _BUCKET_HANDLED):
        why = (
            "the name comes from the environment variable"
            if key == "BucketName"
            else ("aws-init does not apply this property")
        )
        report.say(f"  note: {label}: {key} not applied ({why})")
    try:
        client.head_bucket(Bucket=name)
    except Exception as exc:
        if _code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        client.create_bucket(**kwargs)
        report.say(f"created bucket {label}")
    else:
        report.say(f"exists: bucket {label} (configuration re-applied)")
    # The public-access block goes first: the bucket is never open, not even for a moment.
    if "PublicAccessBlockConfiguration" in props:
        client.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "BucketEncryption" in props:
        client.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration=encryption_config(props["BucketEncryption"]),
        )
    if "OwnershipControls" in props:
        client.put_bucket_ownership_controls(
            Bucket=name, OwnershipControls=props["OwnershipControls"]
        )
    if "VersioningConfiguration" in props:
        status = props["VersioningConfiguration"]["Status"]
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    rules = props.get("LifecycleConfiguration", {}).get("Rules")
    if rules:
        client.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [lifecycle_rule(r) for r in rules]}
        )
    if "Tags" in props:
        client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": props["Tags"]})


def _denies_plain_http(statement: dict[str, Any]) -> bool:
    secure = statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
    return statement.get("Effect") == "Deny" and str(secure).lower() == "false"


def policy_for_endpoint(
    document: dict[str, Any], endpoint_url: str | None
) -> tuple[dict[str, Any] | None, list[str]]:
    """The policy to apply, and the Sids left out.

    On a plain-http endpoint (moto server, LocalStack) a "deny unless TLS" statement would
    deny the app every request (moto enforces it), so it is left out there, and said so.
    On AWS (https) the policy is applied exactly as declared."""
    if not (endpoint_url or "").lower().startswith("http://"):
        return document, []
    statements = document.get("Statement", [])
    kept = [s for s in statements if not _denies_plain_http(s)]
    dropped = [str(s.get("Sid", "?")) for s in statements if _denies_plain_http(s)]
    if not kept:
        return None, dropped
    return {**document, "Statement": kept}, dropped


def apply_bucket_policy(
    client: Any, bucket: str, document: dict[str, Any], report: Report, endpoint_url: str | None
) -> bool:
    policy, dropped = policy_for_endpoint(document, endpoint_url)
    for sid in dropped:
        report.say(
            f"  note: bucket policy statement {sid} not applied: it denies plain-http "
            f"requests and {endpoint_url} is plain http (on AWS it is applied)"
        )
    if policy is None:
        return False
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return True
