"""Secrets: device tokens, enrollment codes, web session tokens and password hashes.

Tokens are 256 random bits and only their SHA-256 is stored, so a database leak does not hand out
working tokens. Enrollment codes are short enough to type on a phone (8 characters, 40 bits), so
they are stored as an HMAC keyed by the server's secret: a leaked table cannot be brute-forced
offline, and a code lives 15 minutes and works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# No 0/O, 1/I/L, U: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 8

_hasher = PasswordHasher()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_enrollment_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """People type codes with spaces, dashes and lower case; none of that matters."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str, *, secret: str) -> str:
    digest = hmac.new(secret.encode(), normalise_code(code).encode("utf-8", "surrogatepass"), "sha256")
    return digest.hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Same work as a real check, so timing does not reveal which usernames exist.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
