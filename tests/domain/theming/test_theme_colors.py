"""Colour parsing, normalisation and WCAG 2.x contrast maths."""

from __future__ import annotations

import pytest

from cart_admin.domain.theming.colors import (
    contrast_ratio,
    normalize_color,
    parse_color,
    relative_luminance,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("#fff", "#ffffff"),
        ("#FFF", "#ffffff"),
        ("  #1a2B3c ", "#1a2b3c"),
        ("#fff\n", "#ffffff"),
        ("#0008", "#00000088"),
        ("#11223344", "#11223344"),
        ("#112233ff", "#112233"),
        ("rgb(255, 0, 0)", "#ff0000"),
        ("RGB(0,128,255)", "#0080ff"),
        ("rgba(0, 0, 0, 0.5)", "#00000080"),
        ("rgba(0, 0, 0, 50%)", "#00000080"),
        ("rgb(0 0 0 / 1)", "#000000"),
        ("rgb(100%, 0%, 50%)", "#ff0080"),
        ("rgb(10.4, 0, 0)", "#0a0000"),
        ("hsl(0, 100%, 50%)", "#ff0000"),
        ("hsl(120deg 100% 25%)", "#008000"),
        ("hsl(240, 100%, 50%)", "#0000ff"),
        ("hsla(0, 0%, 100%, 0.2)", "#ffffff33"),
        ("hsl(360, 0%, 0%)", "#000000"),
    ],
)
def test_accepted_forms_normalise_to_hex(given: str, expected: str) -> None:
    assert normalize_color(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "red",
        "transparent",
        "red;}body{display:none",
        "#fff;}",
        "url(x)",
        "url(https://evil.example/x.png)",
        "expression(alert(1))",
        "#12345",
        "#1234567",
        "#ggg",
        "#ff\nf",
        "#f ff",
        "fff",
        "rgb(300,0,0)",
        "rgb(-1,0,0)",
        "rgb(0,0)",
        "rgb(0,0,0,0,0)",
        "rgb(0,0,0,2)",
        "rgba(0,0,0,-0.1)",
        "rgb(101%,0%,0%)",
        "rgb(0 0 0 /)",
        "rgb(0, 0 0 / 1)",
        "rgb(1e3,0,0)",
        "rgb(0,0,0",
        "hsl(400, 50%, 50%)",
        "hsl(0, 150%, 50%)",
        "hsl(0, 50%, 101%)",
        "hsl(50%, 50%, 50%)",
        "hsl(0, 50deg, 50%)",
        '"#fff"',
        "'#fff'",
        "#fff}",
        "#fff{",
        "rgb(0,0,0)\\",
        "#" + "f" * 100,
        "var(--x)",
        "calc(1)",
    ],
)
def test_refused_values_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_color(bad)


def test_non_string_raises_value_error() -> None:
    with pytest.raises(ValueError):
        parse_color(123)  # type: ignore[arg-type]


def test_relative_luminance_extremes() -> None:
    assert relative_luminance("#000") == 0
    assert relative_luminance("#fff") == pytest.approx(1)


@pytest.mark.parametrize(
    ("fg", "bg", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#000000", 21.0),
        ("#777777", "#ffffff", 4.48),
        ("#767676", "#ffffff", 4.54),
        ("#595959", "#ffffff", 7.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#ff0000", "#ffffff", 4.0),
        ("#0000ff", "#ffffff", 8.59),
    ],
)
def test_contrast_matches_known_wcag_values(fg: str, bg: str, expected: float) -> None:
    assert contrast_ratio(fg, bg) == pytest.approx(expected, abs=0.01)


def test_translucent_foreground_is_composited_over_background() -> None:
    # Black at alpha 0x80 (128/255) over white is #7f7f7f: the same contrast as that grey.
    assert contrast_ratio("#00000080", "#ffffff") == pytest.approx(
        contrast_ratio("#7f7f7f", "#ffffff")
    )
    # Fully transparent text is invisible.
    assert contrast_ratio("#00000000", "#ffffff") == pytest.approx(1.0)
