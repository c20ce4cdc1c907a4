"""AWS BlobStore on S3. Writes are multipart uploads (parts of 8 MiB): the object only
exists once CompleteMultipartUpload succeeds, and an aborted upload leaves nothing
visible (the bucket's lifecycle rule also aborts stale incomplete uploads)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tgscraper.errors import StorageMisconfigured
from tgscraper.storage.aws_clients import ClientFactory, LazyClient, log_once, storage_failure
from tgscraper.storage.ports import BlobStore, BlobWriter, StorageError

PART_SIZE = 8 * 1024 * 1024
CHUNK = 256 * 1024


def _s3_error(op: str, exc: Exception, bucket: str, env: str | None) -> StorageError:
    return storage_failure(exc, op, f"S3 bucket '{bucket}'", env)


class _MultipartWriter(BlobWriter):
    def __init__(self, client: Any, bucket: str, key: str, env: str | None) -> None:
        self._client, self._bucket, self._key, self._env = client, bucket, key, env
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str | None = None

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= PART_SIZE:
            self._send_part(bytes(self._buffer[:PART_SIZE]))
            del self._buffer[:PART_SIZE]

    def _send_part(self, body: bytes) -> None:
        try:
            if self._upload_id is None:
                resp = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._key)
                self._upload_id = resp["UploadId"]
            number = len(self._parts) + 1
            resp = self._client.upload_part(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=body,
            )
        except Exception as exc:
            raise _s3_error("upload_part", exc, self._bucket, self._env) from exc
        self._parts.append({"ETag": resp["ETag"], "PartNumber": number})

    def commit(self) -> None:
        try:
            if self._upload_id is None:
                # Small object: one PutObject is atomic too.
                self._client.put_object(
                    Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer)
                )
                return
            if self._buffer:
                self._send_part(bytes(self._buffer))
                self._buffer.clear()
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        except StorageError:
            raise
        except Exception as exc:
            raise _s3_error("commit", exc, self._bucket, self._env) from exc

    def abort(self) -> None:
        self._buffer.clear()
        if self._upload_id is not None:
            with contextlib.suppress(Exception):
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
                )


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


class S3BlobStore(BlobStore):
    def __init__(
        self, bucket: str, client_factory: ClientFactory, *, env: str | None = None
    ) -> None:
        """env: the variable naming the bucket, quoted in configuration errors."""
        self.bucket = bucket
        self._env = env
        self._lazy = LazyClient(client_factory)

    @property
    def _client(self) -> Any:
        return self._lazy.client

    def size(self, key: str) -> int | None:
        try:
            resp = self._client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey", "NotFound"):
                return None
            raise _s3_error("head_object", exc, self.bucket, self._env) from exc
        return int(resp["ContentLength"])

    def check(self) -> None:
        # HeadBucket (s3:ListBucket): a HEAD of a missing object cannot tell a missing
        # bucket from a missing key (both 404).
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("404", "NotFound"):  # HEAD answers carry no error code
                check = f" (check {self._env})" if self._env else ""
                message = f"S3 bucket '{self.bucket}' does not exist{check}"
                log_once(message)
                raise StorageMisconfigured(message) from exc
            raise _s3_error("head_bucket", exc, self.bucket, self._env) from exc

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        # GetObject is sent now, not on the first next(): a failure is raised to the
        # caller before it starts a response (a clean 503), not after the headers went out.
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if start or end is not None:
            kwargs["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            body = self._client.get_object(**kwargs)["Body"]
        except Exception as exc:
            raise _s3_error("get_object", exc, self.bucket, self._env) from exc
        return _chunks(body)

    def open_writer(self, key: str) -> BlobWriter:
        return _MultipartWriter(self._client, self.bucket, key, self._env)

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise _s3_error("delete_object", exc, self.bucket, self._env) from exc

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith("/") or len(prefix) < 2:
            raise ValueError("a blob prefix ends with '/'")
        removed = 0
        try:
            pages = self._client.get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
                keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
                if not keys:
                    continue
                # A page is at most 1000 keys: DeleteObjects' own limit.
                resp = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
                if resp.get("Errors"):
                    first = resp["Errors"][0]
                    raise StorageError(
                        f"S3 bucket '{self.bucket}' kept {len(resp['Errors'])} object(s) "
                        f"under {prefix!r}: {first.get('Code')}"
                    )
                removed += len(keys)
        except StorageError:
            raise
        except Exception as exc:
            raise _s3_error("delete_objects", exc, self.bucket, self._env) from exc
        return removed

    def presigned_url(
        self,
        key: str,
        *,
        filename: str,
        expires_in: int = 900,
        content_type: str | None = None,
    ) -> str | None:
        from urllib.parse import quote

        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        params = {"Bucket": self.bucket, "Key": key, "ResponseContentDisposition": disposition}
        if content_type:
            params["ResponseContentType"] = content_type
        url: str = self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expires_in
        )
        return url
