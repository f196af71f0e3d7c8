"""Server-side encryption through plain boto3 against a Cairn server started with --insecure-sse-c.

Run by test/s3-sse-clients.test.ts with CAIRN_ENDPOINT set. Prints "ok NAME" per check and exits
non-zero (with the traceback) at the first failure.
"""
import hashlib
import io
import os
import sys
import uuid

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

ENDPOINT = os.environ["CAIRN_ENDPOINT"]
CHUNK = 64 * 1024
MiB = 1024 * 1024
s3 = boto3.client("s3", endpoint_url=ENDPOINT)
bucket = f"py-sse-{uuid.uuid4().hex[:8]}"
customer_key = os.urandom(32)
other_key = os.urandom(32)


def body_of(size, seed):
    return bytes((i * 31 + seed) % 251 for i in range(size))


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call succeeded")


def sse_s3():
    body = body_of(3 * CHUNK + 5, 1)
    put = s3.put_object(Bucket=bucket, Key="s3", Body=body, ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256", put
    assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
    got = s3.get_object(Bucket=bucket, Key="s3")
    assert got["ServerSideEncryption"] == "AES256"
    assert got["Body"].read() == body
    ranged = s3.get_object(Bucket=bucket, Key="s3", Range=f"bytes={CHUNK - 2}-{2 * CHUNK + 2}")["Body"].read()
    assert ranged == body[CHUNK - 2 : 2 * CHUNK + 3]
    assert s3.head_object(Bucket=bucket, Key="s3")["ServerSideEncryption"] == "AES256"


def sse_c():
    body = body_of(2 * CHUNK + 9, 2)
    put = s3.put_object(Bucket=bucket, Key="c", Body=body, SSECustomerAlgorithm="AES256", SSECustomerKey=customer_key)
    assert put["SSECustomerAlgorithm"] == "AES256", put
    got = s3.get_object(Bucket=bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=customer_key, Range=f"bytes={CHUNK}-")
    assert got["Body"].read() == body[CHUNK:]
    assert got["SSECustomerKeyMD5"] == put["SSECustomerKeyMD5"]
    assert error_of(s3.get_object, Bucket=bucket, Key="c") == ("InvalidRequest", 400)
    assert error_of(s3.get_object, Bucket=bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=other_key) == ("AccessDenied", 403)


def copies():
    s3.copy_object(Bucket=bucket, Key="c-to-s3", CopySource={"Bucket": bucket, "Key": "c"},
                   CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=customer_key, ServerSideEncryption="AES256")
    assert s3.get_object(Bucket=bucket, Key="c-to-s3")["Body"].read() == body_of(2 * CHUNK + 9, 2)
    s3.copy_object(Bucket=bucket, Key="s3-to-c", CopySource={"Bucket": bucket, "Key": "s3"}, SSECustomerAlgorithm="AES256", SSECustomerKey=other_key)
    got = s3.get_object(Bucket=bucket, Key="s3-to-c", SSECustomerAlgorithm="AES256", SSECustomerKey=other_key)
    assert got["Body"].read() == body_of(3 * CHUNK + 5, 1)


def multipart():
    body = body_of(11 * MiB + 3, 3)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.upload_fileobj(io.BytesIO(body), bucket, "mp-s3", ExtraArgs={"ServerSideEncryption": "AES256"}, Config=config)
    head = s3.head_object(Bucket=bucket, Key="mp-s3")
    assert head["ServerSideEncryption"] == "AES256" and head["ETag"].endswith('-3"'), head
    extra = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": customer_key}
    s3.upload_fileobj(io.BytesIO(body), bucket, "mp-c", ExtraArgs=extra, Config=config)
    out = io.BytesIO()
    s3.download_fileobj(bucket, "mp-c", out, ExtraArgs=extra)
    assert out.getvalue() == body
    across = s3.get_object(Bucket=bucket, Key="mp-c", Range=f"bytes={5 * MiB - 10}-{5 * MiB + 10}", **extra)["Body"].read()
    assert across == body[5 * MiB - 10 : 5 * MiB + 11]


def bucket_default():
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}, rules
    assert s3.put_object(Bucket=bucket, Key="defaulted", Body=b"x")["ServerSideEncryption"] == "AES256"
    s3.delete_bucket_encryption(Bucket=bucket)
    assert error_of(s3.get_bucket_encryption, Bucket=bucket) == ("ServerSideEncryptionConfigurationNotFoundError", 404)


def main():
    s3.create_bucket(Bucket=bucket)
    for check in (sse_s3, sse_c, copies, multipart, bucket_default):
        check()
        print(f"ok {check.__name__}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
