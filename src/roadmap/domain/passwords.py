"""Password rules and hashing for the web login (Argon2id, never a clear password stored)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from roadmap.domain.errors import ValidationError

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Verified when the login is unknown, so a wrong login costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def check_new_password(password: str, login: str) -> None:
    """Refuse a password a person should not choose, naming what is expected."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"au moins {MIN_LENGTH} caractères sont attendus ({len(password)} donnés)",
            field="mot de passe",
        )
    if password.strip().lower() == login.strip().lower():
        raise ValidationError("il ne doit pas être l'identifiant", field="mot de passe")
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise ValidationError("caractères de contrôle refusés", field="mot de passe")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches; an empty or broken hash never matches."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def new_token() -> tuple[str, str]:
    """A one-time invitation token and the digest stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
