# Two tests over the README's fixture: a PUT and GET, then a fresh, empty server after reset.


def test_put_then_get(s3):
    s3.put_object(Bucket="fixtures", Key="greeting.txt", Body=b"hello from pytest")
    assert s3.get_object(Bucket="fixtures", Key="greeting.txt")["Body"].read() == b"hello from pytest"
    s3.create_bucket(Bucket="made-by-a-test")


def test_each_test_starts_empty(s3):
    assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == ["fixtures"]
    assert s3.list_objects_v2(Bucket="fixtures")["KeyCount"] == 0
