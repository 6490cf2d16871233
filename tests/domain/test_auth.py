"""Passwords, login sessions and API keys (cart_admin.domain.auth) against a real database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, select

from cart_admin.domain import auth
from cart_admin.domain.auth import LoginError
from cart_admin.models import AdminSession, ApiKey, User, UserRole
from tests.factories import DEFAULT_PASSWORD, make_company, make_user

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
TTL = timedelta(hours=12)


@pytest.fixture
def company(session: Session):
    return make_company(session, "Acme Coffee")


@pytest.fixture
def user(session: Session, company) -> User:
    return make_user(session, company, email="ann@shop.example")


def _login_error(session: Session, email: str, password: str) -> str:
    with pytest.raises(LoginError) as caught:
        auth.authenticate(session, email=email, password=password, now=NOW)
    return str(caught.value)


# --- passwords --------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes(session, engine, user):
    with Session(engine) as fresh:
        stored = fresh.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in stored
    assert auth.verify_password(stored, DEFAULT_PASSWORD) is True
    assert auth.verify_password(stored, DEFAULT_PASSWORD + "!") is False


def test_the_same_password_hashes_differently_each_time(user):
    again = auth.hash_password(DEFAULT_PASSWORD)
    assert again != user.password_hash  # salted
    assert auth.verify_password(again, DEFAULT_PASSWORD)


@pytest.mark.parametrize("garbage", ["", "hunter2", "$argon2id$v=19$broken", "$2b$12$abc"])
def test_verify_password_is_false_for_a_garbage_hash(garbage):
    assert auth.verify_password(garbage, "hunter2") is False


def test_login_with_the_right_password(session, user):
    logged_in = auth.authenticate(
        session, email="ann@shop.example", password=DEFAULT_PASSWORD, now=NOW
    )
    session.commit()
    assert logged_in.id == user.id
    session.expire_all()
    assert session.get(User, user.id).last_login_at == NOW


@pytest.mark.parametrize("typed", ["ANN@SHOP.EXAMPLE", "Ann@Shop.Example", "  ann@shop.example "])
def test_login_email_is_case_insensitive(session, user, typed):
    assert auth.authenticate(session, email=typed, password=DEFAULT_PASSWORD, now=NOW).id == user.id


def test_wrong_password_and_unknown_email_say_the_same(session, user):
    wrong_password = _login_error(session, "ann@shop.example", "not the password")
    unknown_email = _login_error(session, "nobody@shop.example", DEFAULT_PASSWORD)
    assert wrong_password == unknown_email == "Wrong e-mail or password."
    session.expire_all()
    assert session.get(User, user.id).last_login_at is None


def test_password_is_case_sensitive(session, user):
    assert _login_error(session, "ann@shop.example", DEFAULT_PASSWORD.upper()) == (
        "Wrong e-mail or password."
    )


def test_inactive_user_cannot_log_in(session, company):
    make_user(session, company, email="gone@shop.example", is_active=False)
    assert _login_error(session, "gone@shop.example", DEFAULT_PASSWORD) == (
        "Wrong e-mail or password."
    )


def test_outdated_hash_is_upgraded_on_login(session, company):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("s3cret")
    user = make_user(session, company, email="old@shop.example")
    user.password_hash = weak
    session.add(user)
    session.commit()

    auth.authenticate(session, email="old@shop.example", password="s3cret", now=NOW)
    session.commit()

    session.expire_all()
    upgraded = session.get(User, user.id).password_hash
    assert upgraded != weak
    assert upgraded.startswith("$argon2id$")
    assert auth.verify_password(upgraded, "s3cret")


# --- login sessions ---------------------------------------------------------------------


def _start(session: Session, user: User, *, now: datetime = NOW, ttl: timedelta = TTL) -> str:
    token = auth.start_session(session, user=user, now=now, ttl=ttl)
    session.commit()
    return token


def test_session_token_resolves_to_its_user_until_it_expires(session, user):
    token = _start(session, user)
    resolve = auth.user_for_session_token
    assert resolve(session, token=token, now=NOW).id == user.id
    assert resolve(session, token=token, now=NOW + TTL - timedelta(seconds=1)).id == user.id
    assert resolve(session, token=token, now=NOW + TTL) is None
    assert resolve(session, token=token, now=NOW + TTL + timedelta(days=1)) is None


def test_only_the_token_hash_is_stored(session, user):
    token = _start(session, user)
    row = session.exec(select(AdminSession)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(v) for v in row.model_dump().values()}
    assert (row.user_id, row.company_id, row.expires_at) == (user.id, user.company_id, NOW + TTL)
    assert len(token) >= 43


def test_ended_session_resolves_to_none(session, user):
    token = _start(session, user)
    other = _start(session, user)
    auth.end_session(session, token=token, now=NOW + timedelta(minutes=5))
    session.commit()
    assert auth.user_for_session_token(session, token=token, now=NOW + timedelta(minutes=6)) is None
    # Logging out one browser leaves the others logged in.
    assert auth.user_for_session_token(session, token=other, now=NOW).id == user.id
    # Ending it again keeps the first revocation time.
    auth.end_session(session, token=token, now=NOW + timedelta(hours=1))
    session.commit()
    revoked = session.exec(
        select(AdminSession.revoked_at).where(AdminSession.token_hash == auth.token_digest(token))
    ).one()
    assert revoked == NOW + timedelta(minutes=5)


def test_ending_an_unknown_session_is_harmless(session, user):
    auth.end_session(session, token="not-a-token", now=NOW)
    session.commit()
    assert session.exec(select(AdminSession)).all() == []


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_unknown_or_empty_token_resolves_to_none(session, user, token):
    _start(session, user)
    assert auth.user_for_session_token(session, token=token, now=NOW) is None


def test_session_of_a_deactivated_user_resolves_to_none(session, user):
    token = _start(session, user)
    user.is_active = False
    session.add(user)
    session.commit()
    assert auth.user_for_session_token(session, token=token, now=NOW) is None


# --- API keys ---------------------------------------------------------------------------


def test_api_key_principal_and_throttled_last_use(session, company, user):
    key, plaintext = auth.create_api_key(
        session, company_id=company.id, name=" CI ", created_by_id=user.id, now=NOW
    )
    session.commit()
    assert plaintext.startswith("ca_")
    assert (key.name, key.prefix, key.key_hash) == (
        "CI",
        plaintext[:10],
        hashlib.sha256(plaintext.encode()).hexdigest(),
    )

    principal = auth.principal_for_api_key(session, plaintext=plaintext, now=NOW)
    session.commit()
    assert principal == auth.Principal(
        company_id=company.id, user_id=None, role=UserRole.OWNER, via="api_key"
    )

    def last_used():
        session.expire_all()
        return session.get(ApiKey, key.id).last_used_at

    assert last_used() == NOW
    auth.principal_for_api_key(session, plaintext=plaintext, now=NOW + timedelta(seconds=59))
    session.commit()
    assert last_used() == NOW
    auth.principal_for_api_key(session, plaintext=plaintext, now=NOW + timedelta(minutes=2))
    session.commit()
    assert last_used() == NOW + timedelta(minutes=2)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\tname"])
def test_api_key_name_must_be_1_to_100_printable_characters(session, company, name):
    with pytest.raises(ValueError):
        auth.create_api_key(session, company_id=company.id, name=name, created_by_id=None, now=NOW)


def test_api_key_name_is_trimmed(session, company):
    key, _ = auth.create_api_key(
        session, company_id=company.id, name="  Zapier  ", created_by_id=None, now=NOW
    )
    assert key.name == "Zapier"


@pytest.mark.parametrize("plaintext", ["", "ca_", "ca_unknown", "sk_live_abc"])
def test_unknown_api_key_has_no_principal(session, company, plaintext):
    auth.create_api_key(session, company_id=company.id, name="k", created_by_id=None, now=NOW)
    session.commit()
    assert auth.principal_for_api_key(session, plaintext=plaintext, now=NOW) is None


def test_revoked_api_key_has_no_principal(session, company):
    key, plaintext = auth.create_api_key(
        session, company_id=company.id, name="k", created_by_id=None, now=NOW
    )
    session.commit()
    other = make_company(session, "Other")
    assert auth.revoke_api_key(session, company_id=other.id, key_id=key.id, now=NOW) is False
    assert auth.revoke_api_key(session, company_id=company.id, key_id="nope", now=NOW) is False
    session.commit()
    assert auth.principal_for_api_key(session, plaintext=plaintext, now=NOW) is not None

    assert auth.revoke_api_key(session, company_id=company.id, key_id=key.id, now=NOW) is True
    session.commit()
    assert auth.principal_for_api_key(session, plaintext=plaintext, now=NOW) is None


@pytest.mark.parametrize(
    ("role", "writes"),
    [(UserRole.OWNER, True), (UserRole.MARKETER, True), (UserRole.ANALYST, False)],
)
def test_roles_and_writing(session, company, role, writes):
    user = make_user(session, company, role=role)
    principal = auth.principal_for_user(user)
    assert principal == auth.Principal(
        company_id=company.id, user_id=user.id, role=role, via="session"
    )
    assert auth.can_write(principal) is writes
