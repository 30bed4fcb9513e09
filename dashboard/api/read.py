"""Read endpoints: the tenant's apps, live channels and members, recordings and audit log,
filtered by the pages' own FilterSets, newest first, a cursor to the next page."""

from typing import TYPE_CHECKING, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django_filters import FilterSet
from ninja import Path, Query, Router
from ninja.pagination import paginate

from dashboard.audit.actions import ACTIONS
from dashboard.audit.filters import AuditFilter
from dashboard.audit.models import AuditEntry, Outcome
from dashboard.core.params import MAX_ID
from dashboard.credentials.models import VendorAccount
from dashboard.live.filters import ChannelFilter, MemberFilter
from dashboard.live.models import Channel, Presence
from dashboard.live.models import Role as MemberRole
from dashboard.recordings.filters import RecordingFilter
from dashboard.recordings.models import Recording
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Tenant
from dashboard.tenancy.scoping import TenantScope

from .access import api_scope, token_of
from .errors import READ_ERRORS, ApiError, Refused
from .pagination import IdCursorPagination
from .schemas import AppOut, AuditOut, ChannelOut, MemberOut, RecordingDetailOut, RecordingOut, TenantOut

router = Router(tags=["read"])

TENANT = Path(..., max_length=60, pattern=r"^[-a-zA-Z0-9_]+$", description="The tenant's short name.")
AN_ID = Path(..., ge=1, le=MAX_ID)
ID_FILTER = Query(None, ge=1, le=MAX_ID)
TEXT_FILTER = Query(None, max_length=128)
# The audit page's choices (dashboard.audit.actions), in the schema so callers see them.
if TYPE_CHECKING:
    AuditAction = str
else:
    AuditAction = Literal[tuple(ACTIONS)]
ACTION_FILTER = Query(None, description="An action name, e.g. `live.kick`.")
DAY_FILTER = Query(None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="YYYY-MM-DD")


def query(**values: Any) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if value is not None:
            data[name] = str(value)
    return data


def accepted(filters: FilterSet) -> QuerySet:
    """The FilterSet's rows, or a 422 naming what it refused (in the words the page shows)."""
    if not filters.is_valid():
        details = [
            {"loc": ["query", name], "msg": str(message), "type": "filter"}
            for name, messages in filters.errors.items()
            for message in messages
        ]
        raise Refused(422, "invalid_request", "A filter is not valid.", details)
    return filters.qs


def channel_of(scope: TenantScope, channel_pk: int) -> Channel:
    return scope.get(
        Channel.objects.select_related("app__vendor_account__tenant"), "app__vendor_account__tenant", pk=channel_pk
    )


def recording_of(scope: TenantScope, recording_pk: int) -> Recording:
    return scope.get(
        Recording.objects.select_related("channel__app__vendor_account", "started_by"), "tenant", pk=recording_pk
    )


@router.get("/tenants", response={200: list[TenantOut], READ_ERRORS: ApiError}, url_name="tenants")
def tenants(request: HttpRequest) -> QuerySet[Tenant]:
    """The tenants this token reaches: its own, or every one for a staff token."""
    token = token_of(request)
    return Tenant.objects.all() if token.tenant_id is None else Tenant.objects.filter(pk=token.tenant_id)


@router.get("/tenants/{tenant}/apps", response={200: list[AppOut], READ_ERRORS: ApiError}, url_name="apps")
@paginate(IdCursorPagination)
def apps(request: HttpRequest, tenant: str = TENANT, account: int | None = ID_FILTER) -> QuerySet[RtcApp]:
    """The tenant's apps at every vendor account (`account`: one account's)."""
    scope = api_scope(request, tenant)
    found = RtcApp.objects.filter(vendor_account__tenant=scope.tenant).select_related("vendor_account")
    if account is not None:
        found = found.filter(vendor_account=scope.get(VendorAccount, pk=account))
    return found


@router.get("/tenants/{tenant}/channels", response={200: list[ChannelOut], READ_ERRORS: ApiError}, url_name="channels")
@paginate(IdCursorPagination)
def channels(
    request: HttpRequest,
    tenant: str = TENANT,
    account: int | None = ID_FILTER,
    app: int | None = ID_FILTER,
    q: str | None = Query(None, max_length=128, description="Part of a channel id."),
    user: str | None = Query(None, max_length=128, description="Channels this user is in or was seen in."),
    show: Literal["live", "watched"] | None = None,
) -> QuerySet[Channel]:
    """Channels the console knows (live or watched ones are polled), with the channel list's filters."""
    scope = api_scope(request, tenant)
    found = Channel.objects.select_related("app__vendor_account").filter(app__vendor_account__tenant=scope.tenant)
    apps = RtcApp.objects.filter(vendor_account__tenant=scope.tenant)
    if account is not None:
        chosen = scope.get(VendorAccount, pk=account)
        found, apps = found.filter(app__vendor_account=chosen), apps.filter(vendor_account=chosen)
    return accepted(ChannelFilter(query(app=app, q=q, user=user, show=show), found, apps=apps))


@router.get(
    "/tenants/{tenant}/channels/{channel}", response={200: ChannelOut, READ_ERRORS: ApiError}, url_name="channel"
)
def channel(request: HttpRequest, tenant: str = TENANT, channel: int = AN_ID) -> Channel:
    return channel_of(api_scope(request, tenant), channel)


@router.get(
    "/tenants/{tenant}/channels/{channel}/members",
    response={200: list[MemberOut], READ_ERRORS: ApiError},
    url_name="members",
)
@paginate(IdCursorPagination)
def members(
    request: HttpRequest,
    tenant: str = TENANT,
    channel: int = AN_ID,
    q: str | None = Query(None, max_length=128, description="Part of a user id."),
    role: MemberRole | None = None,
) -> QuerySet[Presence]:
    """The members the latest poll listed (and kicked ones until a poll confirms they left)."""
    found = channel_of(api_scope(request, tenant), channel)
    return accepted(MemberFilter(query(q=q, role=role.value if role else None), Presence.objects.filter(channel=found)))


@router.get(
    "/tenants/{tenant}/recordings", response={200: list[RecordingOut], READ_ERRORS: ApiError}, url_name="recordings"
)
@paginate(IdCursorPagination)
def recordings(
    request: HttpRequest,
    tenant: str = TENANT,
    show: Literal["attention", "active", "finished", "failed"] | None = None,
    account: int | None = ID_FILTER,
    q: str | None = Query(None, max_length=128, description="Part of a channel id, or a recording id."),
) -> QuerySet[Recording]:
    """The tenant's recordings across vendors, with the recordings page's filters."""
    scope = api_scope(request, tenant)
    found = Recording.objects.filter(tenant=scope.tenant).select_related("channel__app__vendor_account", "started_by")
    accounts = VendorAccount.objects.filter(tenant=scope.tenant)
    if account is not None:
        scope.get(VendorAccount, pk=account)
    filters = RecordingFilter(query(show=show, account=account, q=q), found, accounts=accounts, now=timezone.now())
    return accepted(filters)


@router.get(
    "/tenants/{tenant}/recordings/{recording}",
    response={200: RecordingDetailOut, READ_ERRORS: ApiError},
    url_name="recording",
)
def recording(request: HttpRequest, tenant: str = TENANT, recording: int = AN_ID) -> Recording:
    return recording_of(api_scope(request, tenant), recording)


@router.get("/tenants/{tenant}/audit", response={200: list[AuditOut], READ_ERRORS: ApiError}, url_name="audit")
@paginate(IdCursorPagination)
def audit(
    request: HttpRequest,
    tenant: str = TENANT,
    q: str | None = Query(None, max_length=200, description="Who, target, request id, error."),
    action: AuditAction | None = ACTION_FILTER,
    outcome: Outcome | None = None,
    since: str | None = DAY_FILTER,
    until: str | None = DAY_FILTER,
) -> QuerySet[AuditEntry]:
    """The tenant's audit log, with the audit page's filters (days in UTC)."""
    scope = api_scope(request, tenant)
    filters = AuditFilter(
        query(q=q, action=action, outcome=outcome.value if outcome else None, since=since, until=until),
        queryset=AuditEntry.objects.filter(tenant=scope.tenant),
    )
    return accepted(filters)
