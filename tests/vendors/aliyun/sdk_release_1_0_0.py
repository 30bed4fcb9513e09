"""Release 1.0.0 of alibabacloud-rtc20180111, in an interpreter of its own (it cannot share a
virtualenv with 5.x): one JSON request a line on stdin, one JSON answer a line on stdout.

    {"op": "call", "endpoint": "127.0.0.1:PORT", "key": ..., "secret": ..., "action": ..., "params": {...}}
    {"op": "parse", "action": ..., "body": {...}}

Answers {"model", "type_problems", "map"} or {"error": "..."}. Started by test_sdk_matrix.py
with PYTHONPATH naming the hash-checked install of requirements-sdk-1.0.0.txt first.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from alibabacloud_rtc20180111 import models
from alibabacloud_rtc20180111.client import Client
from alibabacloud_tea_openapi import models as open_api_models

from tests.vendors.aliyun.sdk_models import ACTION_METHODS, type_problems


def answer(body_model: Any) -> dict[str, Any]:
    return {"model": type(body_model).__name__, "type_problems": type_problems(body_model), "map": body_model.to_map()}


def serve(request: dict[str, Any]) -> dict[str, Any]:
    action = request["action"]
    if request["op"] == "parse":
        return answer(getattr(models, f"{action}ResponseBody")().from_map(request["body"]))
    client = Client(
        open_api_models.Config(
            access_key_id=request["key"],
            access_key_secret=request["secret"],
            endpoint=request["endpoint"],
            protocol="http",
        )
    )
    sdk_request = getattr(models, f"{action}Request")().from_map(request["params"])
    response = getattr(client, ACTION_METHODS[action])(sdk_request)
    return answer(response.body)


def main() -> None:
    import alibabacloud_rtc20180111

    version = getattr(alibabacloud_rtc20180111, "__version__", "")
    print(json.dumps({"ready": version}), flush=True)
    for line in sys.stdin:
        try:
            result = serve(json.loads(line))
        except Exception as error:  # the test shows whatever the SDK raised
            result = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
