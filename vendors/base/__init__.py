"""Vendor-neutral vocabulary, errors, HTTP plumbing and the provider registry."""

from .errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    UnsupportedCapabilityError,
    ValidationError,
    VendorError,
    is_transient,
)
from .provider import (
    Capability,
    CredentialField,
    Provider,
    Registry,
    VendorInfo,
    VendorLimits,
)

__all__ = [
    "AuthenticationError",
    "Capability",
    "ConflictError",
    "CredentialField",
    "InvalidRequestError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "Provider",
    "RateLimitedError",
    "Registry",
    "UnavailableError",
    "UnsupportedCapabilityError",
    "ValidationError",
    "VendorError",
    "VendorInfo",
    "VendorLimits",
    "is_transient",
]
