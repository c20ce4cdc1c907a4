"""Store wrappers for adversarial tests: every write is recorded, and faults can be armed.

`instrument(stores)` wraps each ItemTable and the BlobStore of a real adapter set
(SQLite/folder or DynamoDB/S3 under moto) in delegating wrappers. A test then asserts
"nothing was written" after bad input, or arms a fault (`faults.arm("messages", "put_many",
StorageError(...))`) and checks the real stores behind the wrappers afterwards.

For the AWS set, `arm_botocore` injects a real botocore `ClientError` (as DynamoDB or S3
would answer it) below the adapter, so the adapter's own error mapping is exercised too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tgscraper.storage.factory import Stores
from tgscraper.storage.ports import BlobStore, BlobWriter, Item, ItemTable

TABLES = ("leases", "qr", "messages", "media", "accounts")


@dataclass
class _Fault:
    exc: BaseException | Callable[[], BaseException]
    after: int
    times: int
    seen: int = 0
    fired: int = 0


@dataclass
class Faults:
    """Armed failures by (store name, operation) and a log of every write."""

    writes: list[tuple[str, str, Any]] = field(default_factory=list)
    _armed: dict[tuple[str, str], list[_Fault]] = field(default_factory=dict)
    _undo: list[Callable[[], None]] = field(default_factory=list)
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    def arm(
        self,
        store: str,
        op: str,
        exc: BaseException | Callable[[], BaseException],
        *,
        after: int = 0,
        times: int = 1_000_000,
    ) -> None:
        """Let `after` calls of store.op through, then fail the next `times` ones."""
        self._armed.setdefault((store, op), []).append(_Fault(exc, after, times))

    def disarm(self) -> None:
        """Drop every armed fault (botocore hooks included)."""
        self._armed.clear()
        while self._undo:
            self._undo.pop()()

    def on_disarm(self, undo: Callable[[], None]) -> None:
        self._undo.append(undo)

    def check(self, store: str, op: str) -> None:
        with self._mutex:
            for fault in self._armed.get((store, op), []):
                if fault.fired >= fault.times:
                    continue
                fault.seen += 1
                if fault.seen <= fault.after:
                    continue
                fault.fired += 1
                exc = fault.exc() if callable(fault.exc) else fault.exc
                raise exc

    def record(self, store: str, op: str, what: Any) -> None:
        with self._mutex:
            self.writes.append((store, op, what))

    def data_writes(self) -> list[tuple[str, str, Any]]:
        """Writes of user data: everything but the per-account lease churn that any
        Telegram call makes (taken and released again)."""
        return [w for w in self.writes if w[0] != "leases"]

    def clear(self) -> None:
        with self._mutex:
            self.writes.clear()


class RecordingTable(ItemTable):
    def __init__(self, inner: ItemTable, name: str, faults: Faults) -> None:
        self.inner, self.name, self._faults = inner, name, faults
        self.in_process = inner.in_process

    def get(self, pk: str, sk: str) -> Item | None:
        self._faults.check(self.name, "get")
        return self.inner.get(pk, sk)

    def put(
        self,
        item: Item,
        *,
        if_absent: bool = False,
        expect: Mapping[str, Any] | None = None,
    ) -> None:
        self._faults.check(self.name, "put")
        self.inner.put(item, if_absent=if_absent, expect=expect)
        self._faults.record(self.name, "put", (item["pk"], item["sk"]))

    def delete(self, pk: str, sk: str, *, expect: Mapping[str, Any] | None = None) -> None:
        self._faults.check(self.name, "delete")
        self.inner.delete(pk, sk, expect=expect)
        self._faults.record(self.name, "delete", (pk, sk))

    def query(
        self,
        pk: str,
        *,
        sk_from: str | None = None,
        sk_to: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> Iterator[Item]:
        self._faults.check(self.name, "query")
        return self.inner.query(pk, sk_from=sk_from, sk_to=sk_to, reverse=reverse, limit=limit)

    def put_many(self, items: Iterable[Item]) -> None:
        batch = list(items)
        self._faults.check(self.name, "put_many")
        self.inner.put_many(batch)
        self._faults.record(self.name, "put_many", [(i["pk"], i["sk"]) for i in batch])

    def delete_many(self, keys: Iterable[tuple[str, str]]) -> None:
        batch = list(keys)
        self._faults.check(self.name, "delete_many")
        self.inner.delete_many(batch)
        self._faults.record(self.name, "delete_many", batch)

    def scan_keys(
        self, *pk_prefixes: str, where: Mapping[str, str | int] | None = None
    ) -> Iterator[tuple[str, str]]:
        self._faults.check(self.name, "scan_keys")
        return self.inner.scan_keys(*pk_prefixes, where=where)


class _RecordingWriter(BlobWriter):
    def __init__(self, inner: BlobWriter, key: str, faults: Faults) -> None:
        self._inner, self._key, self._faults = inner, key, faults

    def write(self, data: bytes) -> None:
        self._faults.check("blobs", "write")
        self._inner.write(data)

    def commit(self) -> None:
        self._faults.check("blobs", "commit")
        self._inner.commit()
        self._faults.record("blobs", "commit", self._key)

    def abort(self) -> None:
        self._inner.abort()


class RecordingBlobs(BlobStore):
    def __init__(self, inner: BlobStore, faults: Faults) -> None:
        self.inner, self._faults = inner, faults

    def size(self, key: str) -> int | None:
        self._faults.check("blobs", "size")
        return self.inner.size(key)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        self._faults.check("blobs", "read")
        return self.inner.read(key, start, end)

    def open_writer(self, key: str) -> BlobWriter:
        self._faults.check("blobs", "open_writer")
        return _RecordingWriter(self.inner.open_writer(key), key, self._faults)

    def delete(self, key: str) -> None:
        self.inner.delete(key)
        self._faults.record("blobs", "delete", key)

    def delete_prefix(self, prefix: str) -> int:
        removed = self.inner.delete_prefix(prefix)
        self._faults.record("blobs", "delete_prefix", prefix)
        return removed

    def presigned_url(
        self,
        key: str,
        *,
        filename: str,
        expires_in: int = 900,
        content_type: str | None = None,
    ) -> str | None:
        return self.inner.presigned_url(
            key, filename=filename, expires_in=expires_in, content_type=content_type
        )


def instrument(stores: Stores) -> tuple[Stores, Faults]:
    """The same stores behind recording, fault-injecting wrappers (sessions untouched:
    tests compare the stored login before and after instead)."""
    faults = Faults()
    tables = {name: RecordingTable(getattr(stores, name), name, faults) for name in TABLES}
    wrapped = Stores(sessions=stores.sessions, blobs=RecordingBlobs(stores.blobs, faults), **tables)
    return wrapped, faults


# -- botocore-level faults (AWS adapter set under moto) ---------------------------------


def arm_botocore(
    client: Any,
    operation: str,
    code: str,
    *,
    status: int = 400,
    when: Callable[[dict[str, Any]], bool] = lambda request: True,
    times: int = 1_000_000,
    faults: Faults | None = None,
) -> list[int]:
    """Make `client` answer `operation` (e.g. "PutItem") with error `code`, before anything
    is sent, like botocore's Stubber but on the real moto-backed client and only for
    requests `when` accepts (it sees the request: "url_path", "body" parsed from JSON when
    it is JSON), for the next `times` of them; `faults.disarm()` removes it. Returns a
    one-element counter of the faults fired."""
    fired = [0]

    def _fail(params: dict[str, Any], **_: Any) -> Any:
        request = dict(params)
        body = request.get("body")
        if isinstance(body, bytes | str) and body[:1] in (b"{", "{"):
            request["body"] = json.loads(body)
        if fired[0] >= times or not when(request):
            return None
        fired[0] += 1
        from botocore.awsrequest import AWSResponse

        http = AWSResponse("https://moto.invalid", status, {}, None)
        return http, {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {}}

    event = f"before-call.{client.meta.service_model.service_name}.{operation}"
    client.meta.events.register(event, _fail)
    if faults is not None:
        faults.on_disarm(lambda: client.meta.events.unregister(event, _fail))
    return fired
