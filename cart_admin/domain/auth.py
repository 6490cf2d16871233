"""Admin identity: password hashing, login sessions and API keys.

Passwords use argon2id. Session tokens and API keys are long random strings, so a single
SHA-256 of them is enough at rest (a leaked table reveals no usable credential).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from cart_admin.domain.tenancy import NotFound, get_owned
from cart_admin.models import AdminSession, ApiKey, User, UserRole

_hasher = PasswordHasher()
API_KEY_PREFIX = "ca_"
SESSION_COOKIE = "cart_admin_session"  # read by the API, written by the dashboard
API_KEY_NAME_MAX = 100
# A real argon2 hash to verify against when the e-mail is unknown, so timing does not
# reveal which addresses have accounts.
_DUMMY_HASH = _hasher.hash("not-a-password")


class LoginError(Exception):
    """Wrong e-mail or password (deliberately not saying which)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (browser session) or an API key, always inside one company."""

    company_id: str
    user_id: str | None
    role: UserRole
    via: str  # "session" | "api_key"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, *, email: str, password: str, now: datetime) -> User:
    """The active user with this e-mail and password, or LoginError."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.is_active:
        verify_password(_DUMMY_HASH, password)
        raise LoginError("Wrong e-mail or password.")
    if not verify_password(user.password_hash, password):
        raise LoginError("Wrong e-mail or password.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.add(user)
    return user


def start_session(session: Session, *, user: User, now: datetime, ttl: timedelta) -> str:
    """Create a login session; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        AdminSession(
            company_id=user.company_id,
            user_id=user.id,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


def end_session(session: Session, *, token: str, now: datetime) -> None:
    row = session.exec(
        select(AdminSession).where(AdminSession.token_hash == token_digest(token))
    ).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        session.add(row)


def user_for_session_token(session: Session, *, token: str, now: datetime) -> User | None:
    """The user of a live (unexpired, unrevoked) session token."""
    if not token:
        return None
    row = session.exec(
        select(AdminSession).where(
            AdminSession.token_hash == token_digest(token),
            AdminSession.revoked_at.is_(None),  # type: ignore[union-attr]
            AdminSession.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def create_api_key(
    session: Session, *, company_id: str, name: str, created_by_id: str | None, now: datetime
) -> tuple[ApiKey, str]:
    """A new key; the plaintext is returned once and never stored."""
    plaintext = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        company_id=company_id,
        name=clean_api_key_name(name),
        prefix=plaintext[:10],
        key_hash=token_digest(plaintext),
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(key)
    return key, plaintext


def principal_for_api_key(session: Session, *, plaintext: str, now: datetime) -> Principal | None:
    if not plaintext.startswith(API_KEY_PREFIX):
        return None
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == token_digest(plaintext))).first()
    if key is None or key.revoked_at is not None:
        return None
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        key.last_used_at = now  # throttled: a busy integration must not write on every call
        session.add(key)
    return Principal(company_id=key.company_id, user_id=None, role=UserRole.OWNER, via="api_key")


def can_write(principal: Principal) -> bool:
    """Analysts read; owners, marketers and API keys change things."""
    return principal.role in (UserRole.OWNER, UserRole.MARKETER)


def can_manage_api_keys(principal: Principal) -> bool:
    return principal.role is UserRole.OWNER


def clean_api_key_name(name: str) -> str:
    """The one rule for key names: 1-100 characters once trimmed; ValueError otherwise."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > API_KEY_NAME_MAX:
        raise ValueError(f"give the key a name of 1 to {API_KEY_NAME_MAX} characters")
    if any(ord(ch) < 0x20 for ch in cleaned):
        raise ValueError("the key name cannot contain control characters")
    return cleaned


def principal_for_session_token(session: Session, *, token: str, now: datetime) -> Principal | None:
    user = user_for_session_token(session, token=token, now=now)
    return principal_for_user(user) if user is not None else None


def principal_for_user(user: User) -> Principal:
    return Principal(company_id=user.company_id, user_id=user.id, role=user.role, via="session")


def revoke_api_key(session: Session, *, company_id: str, key_id: str, now: datetime) -> bool:
    try:
        key = get_owned(session, ApiKey, key_id, company_id=company_id)
    except NotFound:
        return False
    if key.revoked_at is None:
        key.revoked_at = now
        session.add(key)
    return True
