"""Who is logged in. Imports nothing of the other pages; feature states read it with get_state."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.auth import Principal
from cart_admin.models import Company, UserRole
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from cart_admin.ui.routes import LOGIN, OVERVIEW

_settings = get_settings()


class AuthState(rx.State):
    """The admin's session: the cookie carries a random token, the database knows its user.

    Reflex writes the cookie from JavaScript, so it cannot be HttpOnly; it is SameSite=Strict,
    Secure on https, and only its SHA-256 is stored server-side.
    """

    session_token: str = rx.Cookie(
        "",
        name=auth.SESSION_COOKIE,
        same_site="strict",
        max_age=_settings.session_ttl_hours * 3600,
        secure=_settings.app_url.startswith("https://"),
    )
    user_name: str = ""
    user_email: str = ""
    user_role: str = ""
    company_name: str = ""
    company_currency: str = "USD"
    _company_id: str = ""
    _user_id: str = ""

    @rx.var
    def is_authenticated(self) -> bool:
        return bool(self.user_email)

    @rx.var
    def is_owner(self) -> bool:
        return self.user_role == UserRole.OWNER.value

    @rx.var
    def user_initials(self) -> str:
        parts = [p for p in self.user_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def company_id(self) -> str:
        """The company of the last page load, for read queries ("" when not logged in)."""
        return self._company_id

    def principal(self) -> Principal | None:
        """The caller, checked against the database now: every write goes through this, so a
        session that ended in another tab, expired or lost its role cannot change anything."""
        if not self.session_token:
            return None
        with session_scope() as session:
            return auth.principal_for_session_token(session, token=self.session_token, now=utcnow())

    def _load_user(self) -> bool:
        with session_scope() as session:
            user = auth.user_for_session_token(session, token=self.session_token, now=utcnow())
            if user is None:
                self._clear()
                return False
            company = session.get(Company, user.company_id)
            self.user_name, self.user_email = user.name, user.email
            self.user_role = user.role.value
            self.company_name = company.name if company else ""
            self.company_currency = company.currency if company else "USD"
            self._company_id, self._user_id = user.company_id, user.id
        return True

    def _clear(self) -> None:
        self.user_name = self.user_email = self.user_role = self.company_name = ""
        self._company_id = self._user_id = ""

    @rx.event
    def require_login(self):
        """on_load of every admin page: unknown or expired sessions go to the login page."""
        if not self._load_user():
            url = self.router.url
            here = url.path + (f"?{url.query}" if url.query else "")
            return rx.redirect(f"{LOGIN}?next={quote(here or OVERVIEW, safe='')}")

    @rx.event
    def skip_login_when_logged_in(self):
        """on_load of the login page: a live session goes straight to the Overview."""
        if self.session_token and self._load_user():
            return rx.redirect(OVERVIEW)

    @rx.event
    def logout(self):
        if self.session_token:
            with session_scope() as session:
                auth.end_session(session, token=self.session_token, now=utcnow())
        self.session_token = ""
        self._clear()
        return rx.redirect(LOGIN)
