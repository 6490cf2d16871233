"""Who is logged in. Imports nothing of the other pages; feature states read it with get_state."""

from __future__ import annotations

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.models import Company
from cart_admin.models.types import utcnow
from cart_admin.ui.routes import LOGIN, OVERVIEW

SESSION_COOKIE = "cart_admin_session"


class AuthState(rx.State):
    """The admin's session: the cookie carries a random token, the database knows its user."""

    session_token: str = rx.Cookie("", name=SESSION_COOKIE, same_site="strict", max_age=12 * 3600)
    user_name: str = ""
    user_email: str = ""
    user_role: str = ""
    company_name: str = ""
    _company_id: str = ""
    _user_id: str = ""

    @rx.var
    def is_authenticated(self) -> bool:
        return bool(self.user_email)

    @rx.var
    def is_owner(self) -> bool:
        return self.user_role == "owner"

    @rx.var
    def user_initials(self) -> str:
        parts = [p for p in self.user_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def company_id(self) -> str:
        """The caller's company for data queries ("" when not logged in: queries find nothing)."""
        return self._company_id

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
            self._company_id, self._user_id = user.company_id, user.id
        return True

    def _clear(self) -> None:
        self.user_name = self.user_email = self.user_role = self.company_name = ""
        self._company_id = self._user_id = ""

    @rx.event
    def require_login(self):
        """on_load of every admin page: unknown or expired sessions go to the login page."""
        if not self._load_user():
            return rx.redirect(f"{LOGIN}?next={self.router.url.path or '/'}")

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
