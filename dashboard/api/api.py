"""The REST API (django-ninja): OpenAPI 3 at /api/v1/openapi.json, interactive docs at /api/v1/docs
(Swagger UI from django-ninja's own static files, no CDN)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Swagger
from ninja.operation import Operation
from ninja.types import DictStrAny

from . import act, errors, read, usage
from .access import TokenAuth, TokenRateThrottle

DESCRIPTION = """
Read a tenant's apps, usage, live channels and members, recordings and audit log; with a token
of the *act* scope, kick, close a channel, start and stop a recording.

**Tokens.** Tenant admins make them in the console (tenant menu → API tokens), staff make staff
tokens good for every tenant. Send `Authorization: Bearer <token>`. A token of another tenant
gets 404, as a tenant that does not exist; a read token that acts gets 403.

**Errors** all have one shape (`ApiError`): `code`, `message`, `request_id` (ours, also in the
`X-Request-ID` header), and the vendor's `vendor_code` and `vendor_request_id` when a vendor refused.

**Rate limit:** `API_RATE_LIMIT` requests per token (default 120 a minute); past it 429 with `Retry-After`.

**Lists** are newest first, `page_size` at a time (50, at most 200); follow `next` for the rest.
"""


class DashboardApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """`usage`, `kick`: the function's name (they are unique), not its module's path."""
        return operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None) -> Any:
        """An operation whose answer is CSV (usage.csv) answers only CSV: django-ninja would
        also list the JSON of its return type."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in schema["paths"].values():
            for operation in methods.values():
                content = operation["responses"].get(200, {}).get("content", {})
                if "text/csv" in content:
                    content.pop("application/json", None)
        return schema


api = DashboardApi(
    title="RTC Dashboard API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    throttle=[TokenRateThrottle()],
    # The link to a public validator would send the schema's address away: off.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
errors.install(api)
api.add_router("", read.router)
api.add_router("", usage.router)
api.add_router("", act.router)
