"""AWS ItemTable on DynamoDB: table with string keys "pk" (HASH) and "sk" (RANGE) and the
TTL attribute "expires_at". DynamoDB deletes expired items late (moto never does), so
every read filters them out here."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from tgscraper.storage.aws_clients import ClientFactory, LazyClient, storage_failure
from tgscraper.storage.ports import (
    TTL_ATTRIBUTE,
    ConditionFailed,
    Item,
    ItemTable,
    StorageError,
    is_live,
    now,
)

_BATCH = 25
_RETRIES = 8


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    if hasattr(value, "value") and type(value).__name__ == "Binary":
        return bytes(value.value)
    return value


class DynamoItemTable(ItemTable):
    def __init__(
        self, table_name: str, client_factory: ClientFactory, *, env: str | None = None
    ) -> None:
        """env: the variable naming the table, quoted in configuration errors."""
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self.table_name = table_name
        self._env = env
        self._lazy = LazyClient(client_factory)
        self._ser = TypeSerializer()
        self._de = TypeDeserializer()

    @property
    def _client(self) -> Any:
        return self._lazy.client

    # -- reads -------------------------------------------------------------------------
    def get(self, pk: str, sk: str) -> Item | None:
        resp = self._call(
            "get_item",
            TableName=self.table_name,
            Key=self._key(pk, sk),
            ConsistentRead=True,
        )
        raw = resp.get("Item")
        if raw is None:
            return None
        item = self._decode(raw)
        return item if is_live(item) else None

    def query(
        self,
        pk: str,
        *,
        sk_from: str | None = None,
        sk_to: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> Iterator[Item]:
        cond = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": pk}}
        if sk_from is not None and sk_to is not None:
            cond += " AND sk BETWEEN :lo AND :hi"
            values[":lo"], values[":hi"] = {"S": sk_from}, {"S": sk_to}
        elif sk_from is not None:
            cond += " AND sk >= :lo"
            values[":lo"] = {"S": sk_from}
        elif sk_to is not None:
            cond += " AND sk <= :hi"
            values[":hi"] = {"S": sk_to}
        if sk_from is not None and sk_to is not None and sk_from > sk_to:
            return
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": cond,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not reverse,
            "ConsistentRead": True,
        }
        if limit is not None:
            # Read no more than asked (a page is 1 MB otherwise); expired items are
            # skipped below and the next page fetched, so the answer is the same.
            kwargs["Limit"] = max(1, limit)
        yielded = 0
        at = now()
        while True:
            resp = self._call("query", **kwargs)
            for raw in resp.get("Items", []):
                item = self._decode(raw)
                if not is_live(item, at):
                    continue
                yield item
                yielded += 1
                if limit is not None and yielded >= limit:
                    return
            last = resp.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def scan_keys(
        self, *pk_prefixes: str, where: Mapping[str, str | int] | None = None
    ) -> Iterator[tuple[str, str]]:
        names = {"#pk": "pk", "#sk": "sk"}
        values: dict[str, Any] = {}
        # An empty prefix matches every pk: no prefix condition at all then.
        prefixes = [] if "" in pk_prefixes else pk_prefixes
        for i, prefix in enumerate(prefixes):
            values[f":p{i}"] = {"S": prefix}
        parts = [" OR ".join(f"begins_with(#pk, :p{i})" for i in range(len(prefixes)))]
        parts = [f"({parts[0]})"] if prefixes else []
        for i, (name, value) in enumerate((where or {}).items()):
            names[f"#w{i}"] = name
            values[f":w{i}"] = self._ser.serialize(_to_dynamo(value))
            parts.append(f"#w{i} = :w{i}")
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "ProjectionExpression": "#pk, #sk",
            "ExpressionAttributeNames": names,
            # Consistent: a wipe right after a write must see it.
            "ConsistentRead": True,
        }
        if parts:
            kwargs["FilterExpression"] = " AND ".join(parts)
            kwargs["ExpressionAttributeValues"] = values
        while True:
            resp = self._call("scan", **kwargs)
            for raw in resp.get("Items", []):
                yield raw["pk"]["S"], raw["sk"]["S"]
            last = resp.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    # -- writes ------------------------------------------------------------------------
    def put(
        self,
        item: Item,
        *,
        if_absent: bool = False,
        expect: Mapping[str, Any] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table_name, "Item": self._encode(item)}
        kwargs.update(self._condition(if_absent=if_absent, expect=expect))
        self._call("put_item", **kwargs)

    def delete(self, pk: str, sk: str, *, expect: Mapping[str, Any] | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table_name, "Key": self._key(pk, sk)}
        kwargs.update(self._condition(if_absent=False, expect=expect))
        self._call("delete_item", **kwargs)

    def put_many(self, items: Iterable[Item]) -> None:
        self._batch({"PutRequest": {"Item": self._encode(item)}} for item in items)

    def delete_many(self, keys: Iterable[tuple[str, str]]) -> None:
        self._batch({"DeleteRequest": {"Key": self._key(pk, sk)}} for pk, sk in keys)

    # -- helpers -----------------------------------------------------------------------
    def _batch(self, requests: Iterable[dict[str, Any]]) -> None:
        pending: list[dict[str, Any]] = []
        for request in requests:
            pending.append(request)
            if len(pending) == _BATCH:
                self._flush(pending)
                pending = []
        if pending:
            self._flush(pending)

    def _flush(self, requests: list[dict[str, Any]]) -> None:
        # Deduplicate keys within one batch (DynamoDB rejects duplicates); last wins.
        by_key: dict[tuple[str, str], dict[str, Any]] = {}
        for req in requests:
            body = req.get("PutRequest", {}).get("Item") or req["DeleteRequest"]["Key"]
            by_key[(body["pk"]["S"], body["sk"]["S"])] = req
        todo = {self.table_name: list(by_key.values())}
        for attempt in range(_RETRIES):
            resp = self._call("batch_write_item", RequestItems=todo)
            todo = resp.get("UnprocessedItems") or {}
            if not todo:
                return
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise StorageError("DynamoDB left items unprocessed after retries")

    def _condition(self, *, if_absent: bool, expect: Mapping[str, Any] | None) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        parts: list[str] = []
        if if_absent:
            names["#ttl"] = TTL_ATTRIBUTE
            values[":now"] = {"N": str(now())}
            parts.append("(attribute_not_exists(pk) OR #ttl <= :now)")
        if expect is not None:
            names["#ttl"] = TTL_ATTRIBUTE
            values[":now"] = {"N": str(now())}
            parts.append("attribute_exists(pk) AND (attribute_not_exists(#ttl) OR #ttl > :now)")
            for i, (key, value) in enumerate(expect.items()):
                names[f"#e{i}"] = key
                values[f":e{i}"] = self._ser.serialize(_to_dynamo(value))
                parts.append(f"#e{i} = :e{i}")
        if not parts:
            return {}
        return {
            "ConditionExpression": " AND ".join(parts),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _call(self, op: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, op)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed(code) from exc
            raise self._failure(op, exc) from exc
        except BotoCoreError as exc:  # no region / credentials, endpoint unreachable
            raise self._failure(op, exc) from exc

    def _failure(self, op: str, exc: Exception) -> StorageError:
        return storage_failure(exc, op, f"DynamoDB table '{self.table_name}'", self._env)

    @staticmethod
    def _key(pk: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    def _encode(self, item: Item) -> dict[str, Any]:
        pk, sk = item.get("pk"), item.get("sk")
        if not isinstance(pk, str) or not isinstance(sk, str) or not pk or not sk:
            raise ValueError("items need non-empty string pk and sk")
        return {k: self._ser.serialize(_to_dynamo(v)) for k, v in item.items() if v is not None}

    def _decode(self, raw: dict[str, Any]) -> Item:
        return {k: _from_dynamo(self._de.deserialize(v)) for k, v in raw.items()}
