#!/usr/bin/env python3
"""Checks Cairn with plain boto3 (default configuration apart from the endpoint).

Run by test/clients-boto3.test.ts, or by hand against a running server:

    CAIRN_ENDPOINT=http://127.0.0.1:9000 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
        AWS_DEFAULT_REGION=us-east-1 python3 test/python/boto3_checks.py [check-name ...]

Prints one line per check:
    ok   <name> (<ms> ms)
    skip <name>: <reason>
    FAIL <name>: <error>      (followed by the indented traceback)
and exits 1 when any check failed. `--list` prints the check names (`--list-json` as JSON, with
the skip reasons; test/clients-boto3.test.ts declares one test per check from it).
"""

import base64
import hashlib
import io
import json
import os
import struct
import sys
import time
import traceback
import urllib.error
import urllib.request
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

try:
    import awscrt  # noqa: F401  (botocore computes CRC32C itself only with the CRT installed)

    HAS_CRT = True
except ImportError:
    HAS_CRT = False

ENDPOINT = os.environ.get("CAIRN_ENDPOINT", "")
MiB = 1024 * 1024
RUN_ID = uuid.uuid4().hex[:8]

CHECKS = []


def check(name, skip=None):
    """Registers a check; `skip` (a reason) keeps it listed but not run."""

    def register(function):
        CHECKS.append((name, function, skip))
        return function

    return register


def client(**config):
    return boto3.client("s3", endpoint_url=ENDPOINT, config=Config(**config) if config else None)


s3 = None  # the default client, created in main()


def new_bucket(label):
    name = f"py-{label}-{RUN_ID}"
    s3.create_bucket(Bucket=name)
    return name


def error_of(call, *args, **kwargs):
    """Calls an operation that must fail; returns (Error.Code, HTTP status, the error dict)."""
    try:
        call(*args, **kwargs)
    except ClientError as error:
        response = error.response
        return response["Error"].get("Code"), response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]
    raise AssertionError(f"{call.__name__} succeeded but should have failed")


def http_error_of(url, method="GET", data=None):
    """Requests a URL that must fail; returns (HTTP status, body)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method), timeout=30) as response:
            raise AssertionError(f"{method} {url} succeeded with {response.status} but should have failed")
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def md5_etag(data):
    return '"' + hashlib.md5(data).hexdigest() + '"'


def b64(digest):
    return base64.b64encode(digest).decode()


def _crc32c_table():
    table = []
    for byte in range(256):
        value = byte
        for _ in range(8):
            value = (value >> 1) ^ 0x82F63B78 if value & 1 else value >> 1
        table.append(value)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    value = 0xFFFFFFFF
    for byte in data:
        value = _CRC32C_TABLE[(value ^ byte) & 0xFF] ^ (value >> 8)
    return value ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the standard check value


# --- buckets ---------------------------------------------------------------------------------


@check("bucket-lifecycle")
def bucket_lifecycle():
    name = f"py-lifecycle-{RUN_ID}"
    created = s3.create_bucket(Bucket=name)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200, created
    assert created.get("Location") == f"/{name}", created.get("Location")
    names = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    assert name in names, names
    head = s3.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region") == "us-east-1"
    location = s3.get_bucket_location(Bucket=name)
    assert location.get("LocationConstraint") is None, location
    deleted = s3.delete_bucket(Bucket=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    code, status, _ = error_of(s3.head_bucket, Bucket=name)
    assert (code, status) == ("404", 404), (code, status)
    assert name not in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]


@check("bucket-errors")
def bucket_errors():
    name = new_bucket("errors")
    # In us-east-1 (the tests' region) S3 answers 200 to this, for legacy reasons; 409 BucketAlreadyOwnedByYou elsewhere.
    again = s3.create_bucket(Bucket=name)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200, again
    s3.put_object(Bucket=name, Key="keeps-it-busy", Body=b"x")
    code, status, _ = error_of(s3.delete_bucket, Bucket=name)
    assert (code, status) == ("BucketNotEmpty", 409), (code, status)
    code, status, _ = error_of(s3.delete_bucket, Bucket=f"py-never-made-{RUN_ID}")
    assert (code, status) == ("NoSuchBucket", 404), (code, status)
    code, status, _ = error_of(s3.list_objects_v2, Bucket=f"py-never-made-{RUN_ID}")
    assert (code, status) == ("NoSuchBucket", 404), (code, status)
    code, status, _ = error_of(s3.put_object, Bucket=f"py-never-made-{RUN_ID}", Key="k", Body=b"x")
    assert (code, status) == ("NoSuchBucket", 404), (code, status)


@check("invalid-bucket-names")
def invalid_bucket_names():
    # boto3 only checks names against [a-zA-Z0-9.\-_]{1,255} before sending; these pass that check,
    # so the server is the one that refuses them.
    for name in ["Bad_Name", "ab", "a..b", "UPPERCASE", "-leading-dash", "a" * 64, "192.168.5.4", "ends-with-dash-"]:
        code, status, _ = error_of(s3.create_bucket, Bucket=name)
        assert (code, status) == ("InvalidBucketName", 400), (name, code, status)
    names = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    assert not any(name in names for name in ["Bad_Name", "ab", "a..b"]), names


@check("lifecycle-configuration")
def lifecycle_configuration():
    name = new_bucket("lifecycle")
    rules = [
        {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30},
         "Transitions": [{"Days": 0, "StorageClass": "GLACIER"}]},
        {"ID": "old", "Status": "Enabled", "Filter": {"And": {"Prefix": "v/", "Tags": [{"Key": "k", "Value": "v"}]}},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 3}},
        {"ID": "uploads", "Status": "Disabled", "Filter": {}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
    ]
    put = s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    assert put["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K", put
    got = s3.get_bucket_lifecycle_configuration(Bucket=name)
    assert got["Rules"] == rules, got["Rules"]
    written = s3.put_object(Bucket=name, Key="logs/a", Body=b"x")
    assert written["Expiration"].endswith('GMT", rule-id="logs"'), written.get("Expiration")
    code, status, _ = error_of(s3.put_bucket_lifecycle_configuration, Bucket=name,
                               LifecycleConfiguration={"Rules": [{"ID": "x", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]})
    assert (code, status) == ("InvalidArgument", 400), (code, status)
    assert s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"] == rules
    s3.delete_bucket_lifecycle(Bucket=name)
    code, status, _ = error_of(s3.get_bucket_lifecycle_configuration, Bucket=name)
    assert (code, status) == ("NoSuchLifecycleConfiguration", 404), (code, status)


# --- objects ---------------------------------------------------------------------------------


@check("put-get-metadata")
def put_get_metadata():
    bucket = new_bucket("objects")
    body = os.urandom(100_000)
    put = s3.put_object(
        Bucket=bucket, Key="dir/ünï key+1.bin", Body=body, ContentType="application/x-test",
        Metadata={"colour": "blue", "Mixed-Case": "Value"}, CacheControl="max-age=60",
        ContentDisposition='attachment; filename="x.bin"',
    )
    assert put["ETag"] == md5_etag(body), put["ETag"]
    # boto3 sends a CRC32 checksum by default; the server echoes it.
    assert put.get("ChecksumCRC32") == b64(struct.pack(">I", zlib.crc32(body))), put
    got = s3.get_object(Bucket=bucket, Key="dir/ünï key+1.bin")
    assert got["Body"].read() == body
    assert got["ETag"] == md5_etag(body)
    assert got["ContentLength"] == len(body)
    assert got["ContentType"] == "application/x-test"
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == 'attachment; filename="x.bin"'
    assert got["Metadata"] == {"colour": "blue", "mixed-case": "Value"}, got["Metadata"]
    head = s3.head_object(Bucket=bucket, Key="dir/ünï key+1.bin")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == md5_etag(body)
    assert head["Metadata"] == {"colour": "blue", "mixed-case": "Value"}
    assert head["LastModified"] == got["LastModified"]
    code, status, _ = error_of(s3.get_object, Bucket=bucket, Key="never/written")
    assert (code, status) == ("NoSuchKey", 404), (code, status)
    code, status, _ = error_of(s3.head_object, Bucket=bucket, Key="never/written")
    assert (code, status) == ("404", 404), (code, status)
    # An empty object.
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    empty = s3.get_object(Bucket=bucket, Key="empty")
    assert empty["ContentLength"] == 0 and empty["Body"].read() == b""
    assert empty["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


@check("get-range")
def get_range():
    bucket = new_bucket("range")
    body = b"0123456789abcdefghij"
    s3.put_object(Bucket=bucket, Key="ranged", Body=body)
    for range_header, expected, content_range in [
        ("bytes=0-4", b"01234", "bytes 0-4/20"),
        ("bytes=5-", b"56789abcdefghij", "bytes 5-19/20"),
        ("bytes=-3", b"hij", "bytes 17-19/20"),
        ("bytes=15-100", b"fghij", "bytes 15-19/20"),
    ]:
        got = s3.get_object(Bucket=bucket, Key="ranged", Range=range_header)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206, range_header
        assert got["Body"].read() == expected, range_header
        assert got["ContentRange"] == content_range, (range_header, got["ContentRange"])
        assert got["ContentLength"] == len(expected), range_header
    code, status, _ = error_of(s3.get_object, Bucket=bucket, Key="ranged", Range="bytes=20-")
    assert (code, status) == ("InvalidRange", 416), (code, status)


@check("conditional-requests")
def conditional_requests():
    bucket = new_bucket("conditional")
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"conditional body")["ETag"]
    # 304 has no body, so botocore names the error by its status.
    code, status, _ = error_of(s3.head_object, Bucket=bucket, Key="k", IfNoneMatch=etag)
    assert (code, status) == ("304", 304), (code, status)
    code, status, _ = error_of(s3.get_object, Bucket=bucket, Key="k", IfNoneMatch=etag)
    assert (code, status) == ("304", 304), (code, status)
    code, status, _ = error_of(s3.get_object, Bucket=bucket, Key="k", IfMatch='"0123456789abcdef0123456789abcdef"')
    assert (code, status) == ("PreconditionFailed", 412), (code, status)
    code, status, _ = error_of(s3.head_object, Bucket=bucket, Key="k", IfMatch='"0123456789abcdef0123456789abcdef"')
    assert (code, status) == ("412", 412), (code, status)
    last_modified = s3.head_object(Bucket=bucket, Key="k")["LastModified"]
    code, status, _ = error_of(s3.get_object, Bucket=bucket, Key="k", IfModifiedSince=last_modified)
    assert (code, status) == ("304", 304), (code, status)
    code, status, _ = error_of(
        s3.get_object, Bucket=bucket, Key="k", IfUnmodifiedSince=last_modified.replace(year=last_modified.year - 1)
    )
    assert (code, status) == ("PreconditionFailed", 412), (code, status)
    # Matching conditions let the request through.
    assert s3.get_object(Bucket=bucket, Key="k", IfMatch=etag)["Body"].read() == b"conditional body"
    assert s3.get_object(Bucket=bucket, Key="k", IfNoneMatch='"other"')["Body"].read() == b"conditional body"


@check("copy-object")
def copy_object():
    bucket = new_bucket("copy")
    other = new_bucket("copy-target")
    body = b"copy me " * 1000
    s3.put_object(Bucket=bucket, Key="src/ünï ☃.txt", Body=body, ContentType="text/plain", Metadata={"origin": "source"})
    copied = s3.copy_object(Bucket=other, Key="same", CopySource={"Bucket": bucket, "Key": "src/ünï ☃.txt"})
    assert copied["CopyObjectResult"]["ETag"] == md5_etag(body), copied
    same = s3.get_object(Bucket=other, Key="same")
    assert same["Body"].read() == body
    assert same["ContentType"] == "text/plain"
    assert same["Metadata"] == {"origin": "source"}
    s3.copy_object(
        Bucket=bucket, Key="replaced", CopySource=f"{bucket}/src/ünï ☃.txt", MetadataDirective="REPLACE",
        Metadata={"origin": "replaced"}, ContentType="application/octet-stream",
    )
    replaced = s3.head_object(Bucket=bucket, Key="replaced")
    assert replaced["Metadata"] == {"origin": "replaced"}, replaced["Metadata"]
    assert replaced["ContentType"] == "application/octet-stream"
    assert replaced["ContentLength"] == len(body)
    code, status, _ = error_of(s3.copy_object, Bucket=bucket, Key="x", CopySource={"Bucket": bucket, "Key": "no/such/key"})
    assert (code, status) == ("NoSuchKey", 404), (code, status)
    # Copying an object onto itself without changing anything is refused, as by S3.
    code, status, _ = error_of(s3.copy_object, Bucket=bucket, Key="replaced", CopySource={"Bucket": bucket, "Key": "replaced"})
    assert (code, status) == ("InvalidRequest", 400), (code, status)


# --- listing ---------------------------------------------------------------------------------


@check("list-delimiter-prefix")
def list_delimiter_prefix():
    bucket = new_bucket("delimiter")
    keys = ["a/1", "a/2", "a/b/3", "a/b/c/4", "b/5", "top", "topping/6", "ü/7"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    root = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [entry["Key"] for entry in root["Contents"]] == ["top"], root
    assert [entry["Prefix"] for entry in root["CommonPrefixes"]] == ["a/", "b/", "topping/", "ü/"], root["CommonPrefixes"]
    assert root["KeyCount"] == 5 and root["IsTruncated"] is False, root
    under_a = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [entry["Key"] for entry in under_a["Contents"]] == ["a/1", "a/2"]
    assert [entry["Prefix"] for entry in under_a["CommonPrefixes"]] == ["a/b/"]
    assert under_a["Prefix"] == "a/" and under_a["Delimiter"] == "/"
    top = s3.list_objects_v2(Bucket=bucket, Prefix="top")
    assert [entry["Key"] for entry in top["Contents"]] == ["top", "topping/6"]
    assert [entry["Size"] for entry in top["Contents"]] == [3, 9]
    nothing = s3.list_objects_v2(Bucket=bucket, Prefix="zzz")
    assert "Contents" not in nothing and nothing["KeyCount"] == 0, nothing
    after = s3.list_objects_v2(Bucket=bucket, StartAfter="a/b/c/4")
    assert [entry["Key"] for entry in after["Contents"]] == ["b/5", "top", "topping/6", "ü/7"]
    v1 = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=2)
    assert v1["IsTruncated"] is True and v1["NextMarker"] == "b/", v1


@check("paginate-2500-keys")
def paginate_2500_keys():
    bucket = new_bucket("paginate")
    # Keys whose byte order differs from naive expectations: mixed case, digits, non-ASCII.
    keys = [f"{prefix}/{number:04d}" for prefix in ["Alpha", "alpha", "béta", "Zeta", "9"] for number in range(500)]
    assert len(keys) == 2500
    parallel = client(max_pool_connections=16)

    def put(key):
        parallel.put_object(Bucket=bucket, Key=key, Body=key.encode())

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(put, keys))  # re-raises the first failure
    expected = sorted(keys, key=lambda key: key.encode("utf-8"))
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket))
    assert [page["KeyCount"] for page in pages] == [1000, 1000, 500], [page["KeyCount"] for page in pages]
    assert [page["IsTruncated"] for page in pages] == [True, True, False]
    assert all("NextContinuationToken" in page for page in pages[:2]) and "NextContinuationToken" not in pages[2]
    listed = [entry["Key"] for page in pages for entry in page["Contents"]]
    assert listed == expected, "keys missing, duplicated or out of order"
    sizes = {entry["Key"]: entry["Size"] for page in pages for entry in page["Contents"]}
    assert all(sizes[key] == len(key.encode()) for key in keys)
    # Smaller pages through ListObjects v1 (marker-based) see the same keys.
    v1 = list(s3.get_paginator("list_objects").paginate(Bucket=bucket, Prefix="alpha/", PaginationConfig={"PageSize": 300}))
    assert [len(page["Contents"]) for page in v1] == [300, 200]
    assert [entry["Key"] for page in v1 for entry in page["Contents"]] == [key for key in expected if key.startswith("alpha/")]


@check("delete-objects")
def delete_objects():
    bucket = new_bucket("delete")
    for key in ["d/1", "d/2", "d/3", "d/4", "keep"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    loud = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d/1"}, {"Key": "d/2"}, {"Key": "d/missing"}]})
    assert sorted(entry["Key"] for entry in loud["Deleted"]) == ["d/1", "d/2", "d/missing"], loud
    assert "Errors" not in loud, loud
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d/3"}, {"Key": "d/4"}], "Quiet": True})
    assert "Deleted" not in quiet and "Errors" not in quiet, quiet
    remaining = [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert remaining == ["keep"], remaining
    single = s3.delete_object(Bucket=bucket, Key="keep")
    assert single["ResponseMetadata"]["HTTPStatusCode"] == 204
    again = s3.delete_object(Bucket=bucket, Key="keep")  # deleting a missing key succeeds
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    s3.delete_bucket(Bucket=bucket)


# --- transfers, presigned URLs, checksums ------------------------------------------------------


@check("transfer-manager-3mib")
def transfer_manager_3mib():
    bucket = new_bucket("transfer")
    body = os.urandom(3 * MiB)
    single = TransferConfig(multipart_threshold=64 * MiB)
    s3.upload_fileobj(io.BytesIO(body), bucket, "three-mib.bin", Config=single)
    head = s3.head_object(Bucket=bucket, Key="three-mib.bin")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == md5_etag(body), head["ETag"]
    out = io.BytesIO()
    s3.download_fileobj(bucket, "three-mib.bin", out, Config=single)
    assert hashlib.sha256(out.getvalue()).hexdigest() == hashlib.sha256(body).hexdigest()
    # Downloads in 512 KiB ranges fetched concurrently need only ranged GETs.
    ranged = io.BytesIO()
    s3.download_fileobj(
        bucket, "three-mib.bin", ranged,
        Config=TransferConfig(multipart_threshold=MiB, multipart_chunksize=512 * 1024, max_concurrency=4),
    )
    assert hashlib.sha256(ranged.getvalue()).hexdigest() == hashlib.sha256(body).hexdigest()


@check("transfer-manager-multipart-20mib")
def transfer_manager_multipart():
    bucket = new_bucket("transfer-mp")
    body = os.urandom(20 * MiB)
    # Default TransferConfig: 8 MiB threshold and parts, so three parts.
    s3.upload_fileobj(io.BytesIO(body), bucket, "twenty.bin")
    head = s3.head_object(Bucket=bucket, Key="twenty.bin")
    assert head["ContentLength"] == len(body)
    assert head["ETag"].endswith('-3"'), head["ETag"]
    out = io.BytesIO()
    s3.download_fileobj(bucket, "twenty.bin", out)
    assert hashlib.sha256(out.getvalue()).digest() == hashlib.sha256(body).digest()


@check("multipart-full-object-crc32")
def multipart_full_object_crc32():
    bucket = new_bucket("full-object")
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(12345)]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="whole", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    assert upload.get("ChecksumAlgorithm") == "CRC32", upload
    assert upload.get("ChecksumType") == "FULL_OBJECT", upload
    sent = []
    for number, part in enumerate(parts, start=1):
        response = s3.upload_part(Bucket=bucket, Key="whole", UploadId=upload["UploadId"], PartNumber=number, Body=part, ChecksumAlgorithm="CRC32")
        assert response.get("ChecksumCRC32") == b64(struct.pack(">I", zlib.crc32(part))), response
        sent.append({"PartNumber": number, "ETag": response["ETag"], "ChecksumCRC32": response["ChecksumCRC32"]})
    whole = b"".join(parts)
    expected = b64(struct.pack(">I", zlib.crc32(whole)))
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="whole", UploadId=upload["UploadId"], ChecksumType="FULL_OBJECT",
        ChecksumCRC32=expected, MultipartUpload={"Parts": sent},
    )
    assert done.get("ChecksumCRC32") == expected, done
    assert done.get("ChecksumType") == "FULL_OBJECT", done
    head = s3.head_object(Bucket=bucket, Key="whole", ChecksumMode="ENABLED")
    assert head.get("ChecksumCRC32") == expected and head.get("ChecksumType") == "FULL_OBJECT", head
    got = s3.get_object(Bucket=bucket, Key="whole", ChecksumMode="ENABLED")
    assert got["Body"].read() == whole  # botocore validates the full-object CRC32 while reading
    # A whole-object checksum that does not match the parts is refused, and the upload survives it.
    again = s3.create_multipart_upload(Bucket=bucket, Key="refused", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    part = s3.upload_part(Bucket=bucket, Key="refused", UploadId=again["UploadId"], PartNumber=1, Body=b"tiny", ChecksumAlgorithm="CRC32")
    once = client(retries={"total_max_attempts": 1})
    code, status, _ = error_of(
        once.complete_multipart_upload, Bucket=bucket, Key="refused", UploadId=again["UploadId"], ChecksumType="FULL_OBJECT",
        ChecksumCRC32=b64(struct.pack(">I", zlib.crc32(b"other"))),
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32": part["ChecksumCRC32"]}]},
    )
    assert (code, status) == ("BadDigest", 400), (code, status)
    code, status, _ = error_of(s3.head_object, Bucket=bucket, Key="refused")
    assert (code, status) == ("404", 404), (code, status)
    assert len(s3.list_parts(Bucket=bucket, Key="refused", UploadId=again["UploadId"])["Parts"]) == 1


@check("presigned-urls")
def presigned_urls():
    bucket = new_bucket("presigned")
    # SigV4 presigned URLs are what `signature_version="s3v4"` asks for (the default is SigV2, next check).
    presigner = client(signature_version="s3v4")
    key = "via presigned/ü +1.txt"
    body = b"uploaded with a presigned URL"
    put_url = presigner.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in put_url, put_url
    request = urllib.request.Request(put_url, data=body, method="PUT")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status
        assert response.headers["ETag"] == md5_etag(body), response.headers["ETag"]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    get_url = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    with urllib.request.urlopen(get_url, timeout=30) as response:
        assert response.status == 200
        assert response.read() == body
        assert response.headers["ETag"] == md5_etag(body)
    # Presigned response overrides.
    override_url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key, "ResponseContentType": "text/x-override"}, ExpiresIn=300
    )
    with urllib.request.urlopen(override_url, timeout=30) as response:
        assert response.headers["Content-Type"] == "text/x-override", response.headers["Content-Type"]
    # A tampered signature is refused.
    signature_start = get_url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    flipped = "0" if get_url[signature_start] != "0" else "1"
    tampered = get_url[:signature_start] + flipped + get_url[signature_start + 1:]
    status, body_text = http_error_of(tampered)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body_text, (status, body_text)
    # So is an expired one.
    expired_url = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=1)
    time.sleep(2.1)
    status, body_text = http_error_of(expired_url)
    assert status == 403 and b"<Code>AccessDenied</Code>" in body_text, (status, body_text)


# With default settings botocore presigns S3 URLs in us-east-1 with SigV2 (AWSAccessKeyId, Expires,
# Signature); Cairn verifies those too, so a default client's presigned URLs work unchanged.
@check("presigned-urls-default-sigv2")
def presigned_urls_default_sigv2():
    bucket = new_bucket("presigned-v2")
    key = "v2 key/ü+1.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"v2", ContentType="text/plain")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    assert "AWSAccessKeyId=" in url and "Signature=" in url, url  # botocore's default here: SigV2
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200 and response.read() == b"v2"
    # SigV2 signs Content-Type, so the upload must send the type it was presigned with.
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "uploaded", "ContentType": "text/plain"}, ExpiresIn=300)
    request = urllib.request.Request(put_url, data=b"via sigv2", method="PUT", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert s3.get_object(Bucket=bucket, Key="uploaded")["Body"].read() == b"via sigv2"
    override = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key, "ResponseContentType": "text/x-v2"}, ExpiresIn=300)
    with urllib.request.urlopen(override, timeout=30) as response:
        assert response.headers["Content-Type"] == "text/x-v2", response.headers["Content-Type"]
    tampered = url.replace("Expires=", "Expires=1")
    status, body_text = http_error_of(tampered)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body_text, (status, body_text)
    expired = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=1)
    time.sleep(2.1)
    status, body_text = http_error_of(expired)
    assert status == 403 and b"<Code>AccessDenied</Code>" in body_text, (status, body_text)


def post_form(url, fields, filename, content):
    """POSTs a multipart/form-data form (fields, then the file part) as a browser does; returns (status, headers, body)."""
    boundary = "cairn-boto3-" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(url, data=b"".join(parts), method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# generate_presigned_post signs with SigV2 (AWSAccessKeyId, signature) by default and with SigV4 when
# the client is configured for s3v4; Cairn accepts both forms, within the policy and not outside it.
@check("presigned-post")
def presigned_post():
    bucket = new_bucket("post")
    for label, presigner in (("v2", s3), ("v4", client(signature_version="s3v4"))):
        post = presigner.generate_presigned_post(
            bucket, f"{label}/${{filename}}", Fields={"Content-Type": "text/plain"},
            Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 1, 1024]], ExpiresIn=300,
        )
        assert ("AWSAccessKeyId" in post["fields"]) == (label == "v2"), post["fields"]
        assert ("x-amz-signature" in post["fields"]) == (label == "v4"), post["fields"]
        status, headers, _ = post_form(post["url"], post["fields"], "note.txt", b"posted by boto3")
        assert status == 204, status
        assert headers["ETag"] == md5_etag(b"posted by boto3"), headers["ETag"]
        got = s3.get_object(Bucket=bucket, Key=f"{label}/note.txt")
        assert got["Body"].read() == b"posted by boto3" and got["ContentType"] == "text/plain", got
        # Over the policy's size: refused, nothing stored.
        status, _, body = post_form(post["url"], post["fields"], "big.txt", b"x" * 2048)
        assert status == 400 and b"<Code>EntityTooLarge</Code>" in body, (status, body)
        code, status, _ = error_of(s3.head_object, Bucket=bucket, Key=f"{label}/big.txt")
        assert (code, status) == ("404", 404), (code, status)
        # A key outside the policy's prefix: refused, nothing stored.
        status, _, body = post_form(post["url"], {**post["fields"], "key": "elsewhere/evil.txt"}, "evil.txt", b"x")
        assert status == 403 and b"<Code>AccessDenied</Code>" in body, (status, body)
        code, status, _ = error_of(s3.head_object, Bucket=bucket, Key="elsewhere/evil.txt")
        assert (code, status) == ("404", 404), (code, status)


@check("checksums")
def checksums():
    bucket = new_bucket("checksums")
    body = b"checksummed body " * 4096
    sha256 = b64(hashlib.sha256(body).digest())
    put = s3.put_object(Bucket=bucket, Key="sha256", Body=body, ChecksumAlgorithm="SHA256")
    assert put.get("ChecksumSHA256") == sha256, put
    got = s3.get_object(Bucket=bucket, Key="sha256", ChecksumMode="ENABLED")
    assert got.get("ChecksumSHA256") == sha256, got
    assert got["Body"].read() == body  # botocore also validates the checksum while reading
    head = s3.head_object(Bucket=bucket, Key="sha256", ChecksumMode="ENABLED")
    assert head.get("ChecksumSHA256") == sha256, head

    crc = b64(struct.pack(">I", crc32c(body)))
    if HAS_CRT:
        put = s3.put_object(Bucket=bucket, Key="crc32c", Body=body, ChecksumAlgorithm="CRC32C")
    else:
        # Without awscrt botocore cannot compute CRC32C, so send the value computed here.
        put = s3.put_object(Bucket=bucket, Key="crc32c", Body=body, ChecksumAlgorithm="CRC32C", ChecksumCRC32C=crc)
    assert put.get("ChecksumCRC32C") == crc, put
    got = s3.get_object(Bucket=bucket, Key="crc32c", ChecksumMode="ENABLED")
    assert got.get("ChecksumCRC32C") == crc, got
    assert got["Body"].read() == body

    # A wrong checksum is refused with BadDigest and stores nothing. (botocore's legacy retry mode
    # retries BadDigest with back-off, against S3 too, so these use a client that does not retry.)
    once = client(retries={"total_max_attempts": 1})
    wrong = b64(hashlib.sha256(b"something else").digest())
    code, status, _ = error_of(once.put_object, Bucket=bucket, Key="bad", Body=body, ChecksumSHA256=wrong)
    assert (code, status) == ("BadDigest", 400), (code, status)
    code, status, _ = error_of(once.put_object, Bucket=bucket, Key="bad", Body=body, ChecksumCRC32C="AAAAAA==")
    assert (code, status) == ("BadDigest", 400), (code, status)
    code, status, _ = error_of(s3.head_object, Bucket=bucket, Key="bad")
    assert (code, status) == ("404", 404), (code, status)


# --- runner ----------------------------------------------------------------------------------


@check("object-lock")
def object_lock():
    import datetime

    name = f"py-object-lock-{RUN_ID}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    s3.put_object_lock_configuration(
        Bucket=name,
        ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}},
    )
    rule = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]["Rule"]
    assert rule == {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}, rule
    until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).replace(microsecond=0)
    version = s3.put_object(Bucket=name, Key="k", Body=b"locked", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)["VersionId"]
    head = s3.head_object(Bucket=name, Key="k")
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]) == ("COMPLIANCE", until), head
    code, status, error = error_of(s3.delete_object, Bucket=name, Key="k", VersionId=version, BypassGovernanceRetention=True)
    assert (code, status) == ("AccessDenied", 403), (code, status)
    shorter = {"Mode": "COMPLIANCE", "RetainUntilDate": until - datetime.timedelta(hours=1)}
    code, status, _ = error_of(s3.put_object_retention, Bucket=name, Key="k", VersionId=version, Retention=shorter)
    assert (code, status) == ("AccessDenied", 403), (code, status)
    assert s3.get_object_retention(Bucket=name, Key="k")["Retention"] == {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    s3.put_object_legal_hold(Bucket=name, Key="k", LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=name, Key="k")["LegalHold"] == {"Status": "ON"}
    governed = s3.put_object(Bucket=name, Key="g", Body=b"default retention")["VersionId"]
    assert s3.head_object(Bucket=name, Key="g")["ObjectLockMode"] == "GOVERNANCE"
    code, status, _ = error_of(s3.delete_object, Bucket=name, Key="g", VersionId=governed)
    assert (code, status) == ("AccessDenied", 403), (code, status)
    s3.delete_object(Bucket=name, Key="g", VersionId=governed, BypassGovernanceRetention=True)
    code, status, _ = error_of(s3.put_bucket_versioning, Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    assert (code, status) == ("InvalidBucketState", 409), (code, status)
    assert s3.get_object(Bucket=name, Key="k", VersionId=version)["Body"].read() == b"locked"


def main(argv):
    global s3
    if "--list" in argv:
        for name, _, skip in CHECKS:
            print(name if skip is None else f"{name}  (skipped: {skip})")
        return 0
    if "--list-json" in argv:
        print(json.dumps([{"name": name, "skip": skip} for name, _, skip in CHECKS]))
        return 0
    if not ENDPOINT:
        print("CAIRN_ENDPOINT is not set", file=sys.stderr)
        return 2
    known = {name for name, _, _ in CHECKS}
    unknown = [name for name in argv if name not in known]
    if unknown:
        print(f"unknown checks: {', '.join(unknown)}", file=sys.stderr)
        return 2
    s3 = client()
    print(f"boto3 {boto3.__version__}, awscrt {'present' if HAS_CRT else 'absent'}, endpoint {ENDPOINT}", flush=True)
    failed = 0
    for name, function, skip in CHECKS:
        if argv and name not in argv:
            continue
        if skip is not None:
            print(f"skip {name}: {skip}", flush=True)
            continue
        started = time.monotonic()
        try:
            function()
        except Exception as error:  # noqa: BLE001  (report every failure, keep going)
            failed += 1
            detail = f"{type(error).__name__}: {error}".replace("\n", " ")
            print(f"FAIL {name}: {detail}", flush=True)
            print("".join("    " + line for line in traceback.format_exc().splitlines(True)), end="", flush=True)
            continue
        print(f"ok   {name} ({(time.monotonic() - started) * 1000:.0f} ms)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
