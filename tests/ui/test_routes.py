"""The login page's `next` parameter cannot send anyone to another site."""

from __future__ import annotations

import pytest

from cart_admin.ui.routes import OVERVIEW, safe_next_path


@pytest.mark.parametrize("path", ["/", "/settings/api-keys", "/?days=7"])
def test_paths_on_this_site_are_kept(path: str) -> None:
    assert safe_next_path(path) == path


@pytest.mark.parametrize(
    "target",
    [None, "", "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil", "/\tx"],
)
def test_anything_else_goes_to_the_overview(target) -> None:
    assert safe_next_path(target) == OVERVIEW
