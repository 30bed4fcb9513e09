"""Encryption of vendor credentials at rest, with keys from the environment.

`settings.CREDENTIAL_KEYS` lists Fernet keys newest first: the newest encrypts, every key
decrypts, so a new key can be put in front and old ciphertexts rotated at leisure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext


class UndecryptableCredentials(Exception):
    """None of the configured keys opens this ciphertext (a key was dropped too early)."""

    code = "UndecryptableCredentials"

    def __init__(self) -> None:
        self.message = gettext("The stored credentials cannot be decrypted with the configured keys.")
        super().__init__(self.message)


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("CREDENTIAL_KEYS is empty")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"CREDENTIAL_KEYS holds a key that is not a Fernet key: {error}") from None


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.CREDENTIAL_KEYS))


def encrypt_values(values: dict[str, str]) -> str:
    return cipher().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt_values(token: str) -> dict[str, str]:
    try:
        return json.loads(cipher().decrypt(token.encode()))
    except InvalidToken:
        raise UndecryptableCredentials from None


def rotate(token: str) -> str:
    """The same values encrypted with the newest key."""
    try:
        return cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableCredentials from None


def uses_newest_key(token: str) -> bool:
    try:
        Fernet(settings.CREDENTIAL_KEYS[0].encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


@dataclass(frozen=True)
class SealedField:
    """A model field holding ciphertext made here: rotate_credential_keys re-encrypts it."""

    model: str  # "app_label.ModelName"
    field: str
    noun: str  # what a row is called in the command's report
    count_key: str  # where its count goes in the audit entry's detail


# Filled by each app that stores secrets, in its AppConfig.ready() (this one's, then recordings').
SEALED_FIELDS: list[SealedField] = []


def register_sealed_field(model: str, field: str, *, noun: str, count_key: str) -> None:
    SEALED_FIELDS.append(SealedField(model, field, noun, count_key))
