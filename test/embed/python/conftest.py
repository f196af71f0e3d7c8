# The pytest fixture of the README ("Cairn inside your tests"), run by test/embed/python.test.ts.
# The one difference: the command comes from CAIRN_COMMAND (the test points it at this checkout's
# bin/cairn.js); a project that installed the package uses the default, `npx cairn`.
import json
import os
import shlex
import subprocess

import boto3
import pytest


@pytest.fixture(scope="session")
def cairn():
    command = shlex.split(os.environ.get("CAIRN_COMMAND", "npx cairn"))
    server = subprocess.Popen(command + ["server", "--ephemeral", "--bucket", "fixtures"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ready = json.loads(server.stdout.readline())
    yield server, ready
    server.stdin.close()  # stops the server and removes its data
    assert server.wait(timeout=30) == 0
    assert not os.path.exists(ready["dataDirectory"])


@pytest.fixture
def s3(cairn):
    server, ready = cairn
    server.stdin.write("reset\n")
    server.stdin.flush()
    assert json.loads(server.stdout.readline()) == {"reset": "done"}
    return boto3.client("s3", endpoint_url=ready["endpoint"], region_name=ready["region"],
                        aws_access_key_id=ready["credentials"]["accessKeyId"],
                        aws_secret_access_key=ready["credentials"]["secretAccessKey"])
