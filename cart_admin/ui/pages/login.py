"""The login page."""

from __future__ import annotations

from datetime import timedelta

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from cart_admin.ui.routes import FAVICON, LOGIN, safe_next_path
from cart_admin.ui.state import AuthState


class LoginState(rx.State):
    error: str = ""

    @rx.event
    async def submit(self, form: dict):
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        if not email or not password:
            self.error = "Enter your e-mail and password."
            return
        ttl = timedelta(hours=get_settings().session_ttl_hours)
        try:
            with session_scope() as session:
                user = auth.authenticate(session, email=email, password=password, now=utcnow())
                token = auth.start_session(session, user=user, now=utcnow(), ttl=ttl)
        except auth.LoginError as exc:
            self.error = str(exc)
            return
        self.error = ""
        auth_state = await self.get_state(AuthState)
        auth_state.session_token = token
        return rx.redirect(safe_next_path(self.router.url.query_parameters.get("next")))

    @rx.event
    def clear_error(self):
        self.error = ""


def login_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.vstack(
                rx.text("E-mail", size="2", weight="medium"),
                rx.input(
                    name="email",
                    type="email",
                    placeholder="you@shop.com",
                    size="3",
                    width="100%",
                    auto_focus=True,
                    id="email",
                    on_change=LoginState.clear_error,
                ),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                rx.text("Password", size="2", weight="medium"),
                rx.input(name="password", type="password", size="3", width="100%", id="password"),
                spacing="1",
                width="100%",
            ),
            rx.cond(
                LoginState.error != "",
                rx.callout(
                    LoginState.error,
                    icon="triangle-alert",
                    color_scheme="red",
                    size="1",
                    width="100%",
                    id="login-error",
                    role="alert",
                ),
            ),
            rx.button("Log in", type="submit", size="3", width="100%", id="login-submit"),
            spacing="4",
            width="100%",
        ),
        on_submit=LoginState.submit,
        width="100%",
    )


@rx.page(
    route=LOGIN,
    title="Log in · Cart Admin",
    image=FAVICON,
    on_load=AuthState.skip_login_when_logged_in,
)
def login() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.hstack(
                rx.center(
                    rx.icon("shopping-cart", size=20, color="white"),
                    width="40px",
                    height="40px",
                    border_radius="10px",
                    background="linear-gradient(135deg, var(--accent-9), var(--accent-11))",
                ),
                rx.heading("Cart Admin", size="6"),
                align="center",
                spacing="3",
            ),
            rx.text(
                "Design your cart drawer, recover abandoned carts.", color_scheme="gray", size="2"
            ),
            rx.box(
                login_form(),
                padding="28px",
                width="100%",
                border="1px solid var(--gray-4)",
                border_radius="14px",
                background="var(--color-panel-solid)",
                box_shadow="0 8px 24px rgba(16, 24, 40, 0.06)",
            ),
            spacing="4",
            align="center",
            width="380px",
        ),
        min_height="100vh",
        background="radial-gradient(circle at 20% 0%, var(--accent-3), var(--gray-1) 45%)",
    )
