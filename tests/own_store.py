"""A bucket of the test's own on the S3-compatible server `make test` starts on loopback (moto's
server mode: scripts/testenv.py object_store); the default storage points at it for the test."""

import os
import uuid

import pytest

from tests.helpers import needs

ENDPOINT = os.environ.get("S3_TEST_ENDPOINT", "")
KEYS = {"access_key": "testing", "secret_key": "testing"}


def s3_client():
    import boto3

    return boto3.client("s3", endpoint_url=ENDPOINT, aws_access_key_id=KEYS["access_key"],
                        aws_secret_access_key=KEYS["secret_key"], region_name="us-east-1")


def s3_environment(bucket: str) -> dict[str, str]:
    """The variables an operator sets (cycling/settings/base.py), for processes a test starts."""
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": ENDPOINT, "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": KEYS["access_key"], "S3_SECRET_ACCESS_KEY": KEYS["secret_key"],
            "S3_ADDRESSING_STYLE": "path"}


@pytest.fixture
def object_store(settings):
    """(bucket, boto3 client): a new bucket, the default storage on it as production configures it."""
    needs(ENDPOINT, "an S3-compatible server", "make test starts moto's")
    bucket = f"cycling-{uuid.uuid4().hex[:12]}"
    client = s3_client()
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        **settings.S3_OPTIONS, "bucket_name": bucket, "endpoint_url": ENDPOINT, "region_name": "us-east-1",
        "addressing_style": "path", **KEYS}}}
    yield bucket, client
