"""Product and bundle pictures for the demo catalog, drawn as small local SVG files.

The demo must look real without fetching anything: each product gets a simple drawing of its
kind (coffee bag, mug, kettle, grinder...) in its own warm colour, with its name below. The
files are committed under `assets/` (served at the site root); `write_images` rewrites them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from cart_admin.demo.catalog import BUNDLES, PRODUCTS, BundleSpec, ProductSpec
from cart_admin.settings import PROJECT_ROOT

ASSETS_DIR = PROJECT_ROOT / "assets"
CREAM = "#fdf6ec"
INK = "#3b2418"
COFFEE = "#4a2c1d"
FONT = "'Helvetica Neue',Arial,sans-serif"


def _mix(colour: str, other: str, share: float) -> str:
    """`colour` moved `share` of the way towards `other` (both #rrggbb)."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _dark(colour: str) -> str:
    return _mix(colour, "#000000", 0.35)


def _bird(x: int, y: int, colour: str = "#3e6f9e") -> str:
    """The Bluebird logo: a small round bird facing right."""
    return (
        f'<g transform="translate({x} {y})">'
        f'<path d="M-22 6C-19-13 5-19 15-6L27-8 17 1C14 14-7 18-22 6Z" fill="{colour}"/>'
        f'<path d="M-7-1C1-11 9-9 11-3 5-5-1-3-7-1Z" fill="{_dark(colour)}"/>'
        f'<circle cx="9" cy="-7" r="1.8" fill="{CREAM}"/></g>'
    )


def _bag(c: str, label: str) -> str:
    size = min(20, int(158 / max(len(label), 1)))
    return (
        f'<path d="M126 96H274L286 124V280Q286 292 274 292H126Q114 292 114 280V124Z" fill="{c}"/>'
        f'<path d="M126 96H274L286 124H114Z" fill="{_dark(c)}"/>'
        f'<rect x="122" y="72" width="156" height="26" rx="4" fill="{_dark(c)}"/>'
        f'<path d="M128 80H272" stroke="{c}" stroke-width="3" stroke-dasharray="5 5"/>'
        f'<rect x="140" y="148" width="120" height="112" rx="10" fill="{CREAM}"/>'
        + _bird(198, 186)
        + f'<text x="200" y="238" font-family="{FONT}" font-size="{size}" font-weight="700" '
        f'fill="{_dark(c)}" text-anchor="middle" letter-spacing="1">{escape(label)}</text>'
        f'<circle cx="200" cy="132" r="6" fill="{c}" stroke="{CREAM}" stroke-width="2"/>'
    )


def _mug(c: str) -> str:
    return (
        f'<path d="M258 160H274Q306 160 306 192Q306 224 274 224H258" fill="none" '
        f'stroke="{c}" stroke-width="16"/>'
        f'<path d="M120 130H258V236Q258 286 208 286H170Q120 286 120 236Z" fill="{c}"/>'
        f'<ellipse cx="189" cy="130" rx="69" ry="13" fill="{_dark(c)}"/>'
        f'<ellipse cx="189" cy="131" rx="60" ry="8" fill="{COFFEE}"/>'
        + "".join(
            f'<path d="M{x} 112q-10-14 0-28t0-28" fill="none" stroke="{_mix(c, CREAM, 0.6)}" '
            'stroke-width="5" stroke-linecap="round"/>'
            for x in (165, 190, 215)
        )
        + _bird(190, 212, CREAM)
    )


def _kettle(c: str) -> str:
    d = _dark(c)
    return (
        f'<path d="M252 168Q302 176 292 236L278 256" fill="none" stroke="{d}" '
        'stroke-width="14" stroke-linecap="round"/>'
        f'<path d="M142 252Q96 244 96 186Q96 150 70 138" fill="none" stroke="{c}" '
        'stroke-width="11" stroke-linecap="round"/>'
        f'<path d="M132 150H252L270 272Q272 286 258 286H126Q112 286 114 272Z" fill="{c}"/>'
        f'<path d="M140 170H244" stroke="{_mix(c, CREAM, 0.5)}" stroke-width="6" '
        'stroke-linecap="round" opacity=".7"/>'
        f'<rect x="150" y="134" width="84" height="20" rx="7" fill="{d}"/>'
        f'<circle cx="192" cy="126" r="9" fill="{d}"/>'
        '<rect x="112" y="282" width="160" height="14" rx="5" fill="#2e211b"/>'
    )


def _grinder(c: str) -> str:
    d = _dark(c)
    beans = "".join(
        f'<ellipse cx="{x}" cy="{y}" rx="9" ry="6" fill="{COFFEE}" '
        f'transform="rotate({r} {x} {y})"/>'
        for x, y, r in ((180, 108, 20), (204, 112, -30), (226, 104, 10), (194, 94, 60))
    )
    return (
        f'<path d="M146 56H254L238 132H162Z" fill="#efe4d6" stroke="{d}" stroke-width="4"/>'
        + beans
        + f'<rect x="138" y="128" width="124" height="124" rx="16" fill="{c}"/>'
        f'<circle cx="200" cy="182" r="24" fill="{d}"/>'
        f'<circle cx="200" cy="182" r="9" fill="{CREAM}"/>'
        f'<path d="M200 182L216 168" stroke="{CREAM}" stroke-width="4" stroke-linecap="round"/>'
        f'<rect x="160" y="250" width="80" height="34" rx="6" fill="{d}"/>'
        '<rect x="126" y="284" width="148" height="12" rx="5" fill="#2e211b"/>'
    )


def _dripper(c: str) -> str:
    d = _dark(c)
    ribs = "".join(
        f'<path d="M{x} 130L{200 + (x - 200) // 2} 200" stroke="{d}" stroke-width="3" '
        'opacity=".5"/>'
        for x in (150, 175, 200, 225, 250)
    )
    return (
        f'<path d="M120 120H280L240 210H160Z" fill="{c}"/>'
        + ribs
        + f'<rect x="110" y="108" width="180" height="18" rx="9" fill="{d}"/>'
        f'<rect x="138" y="206" width="124" height="12" rx="5" fill="{d}"/>'
        f'<path d="M150 226H250V262Q250 290 222 290H178Q150 290 150 262Z" fill="#f4ece2" '
        f'stroke="{d}" stroke-width="4"/>'
        f'<path d="M156 244H244V262Q244 284 222 284H178Q156 284 156 262Z" fill="{COFFEE}"/>'
        '<path d="M200 219Q195 228 200 233Q205 228 200 219Z" fill="#5b3a29"/>'
    )


def _filters(c: str) -> str:
    d = _dark(c)
    return "".join(
        f'<path d="M{104 + i * 26} {96 + i * 36}H{264 + i * 26}L{226 + i * 26} {226 + i * 36}'
        f'H{142 + i * 26}Z" fill="{_mix(c, CREAM, 0.15 * i)}" stroke="{d}" stroke-width="3"/>'
        f'<path d="M{110 + i * 26} {112 + i * 36}H{258 + i * 26}" stroke="{d}" '
        'stroke-width="2" stroke-dasharray="4 4"/>'
        for i in range(3)
    )


def _coldbrew(c: str) -> str:
    d = _dark(c)
    bottles = "".join(
        f'<rect x="{x + 12}" y="96" width="16" height="26" rx="3" fill="{d}"/>'
        f'<rect x="{x}" y="118" width="40" height="120" rx="10" fill="{c}"/>'
        f'<rect x="{x}" y="160" width="40" height="34" fill="{CREAM}"/>'
        for x in (108, 156, 204, 252)
    )
    return (
        bottles + f'<rect x="96" y="206" width="208" height="84" rx="10" fill="{d}"/>'
        f'<text x="200" y="256" font-family="{FONT}" font-size="18" font-weight="700" '
        f'fill="{CREAM}" text-anchor="middle" letter-spacing="2">COLD BREW</text>'
    )


def _pouches(c: str) -> str:
    d = _dark(c)
    return (
        f'<path d="M260 120H278Q296 120 296 138V214Q296 232 278 232H262" fill="none" '
        f'stroke="{d}" stroke-width="10"/>'
        f'<path d="M128 86H266L260 278Q260 292 246 292H150Q136 292 136 278Z" fill="#f6efe6" '
        f'stroke="{d}" stroke-width="5"/>'
        f'<path d="M140 150H262L257 276Q257 286 247 286H151Q141 286 141 276Z" fill="{c}"/>'
        f'<path d="M200 86V170" stroke="{d}" stroke-width="2"/>'
        f'<rect x="174" y="168" width="52" height="64" rx="6" fill="#efe2cf" stroke="{d}" '
        'stroke-width="3"/>'
    )


def _scale(c: str) -> str:
    d = _dark(c)
    return (
        f'<path d="M158 116H242L232 196H168Z" fill="#f4ece2" stroke="{d}" stroke-width="4"/>'
        f'<path d="M164 150H236L232 192H168Z" fill="{COFFEE}"/>'
        f'<rect x="96" y="198" width="208" height="16" rx="8" fill="{d}"/>'
        f'<rect x="100" y="210" width="200" height="74" rx="12" fill="{c}"/>'
        '<rect x="148" y="230" width="104" height="32" rx="5" fill="#1f1a17"/>'
        '<text x="200" y="254" font-family="monospace" font-size="20" fill="#f2b36b" '
        'text-anchor="middle">18.0 g</text>'
    )


def _press(c: str) -> str:
    d = _dark(c)
    return (
        f'<path d="M252 132H276Q286 132 286 142V232Q286 242 276 242H252" fill="none" '
        f'stroke="{d}" stroke-width="12"/>'
        f'<rect x="140" y="110" width="112" height="172" rx="8" fill="#f6efe6" stroke="{d}" '
        'stroke-width="5"/>'
        f'<rect x="147" y="168" width="98" height="108" rx="4" fill="{c}"/>'
        f'<rect x="147" y="160" width="98" height="8" fill="{d}"/>'
        f'<rect x="192" y="62" width="8" height="100" fill="{d}"/>'
        f'<circle cx="196" cy="58" r="11" fill="{d}"/>'
        f'<rect x="132" y="98" width="128" height="16" rx="6" fill="{d}"/>'
        f'<rect x="132" y="280" width="128" height="12" rx="4" fill="{d}"/>'
    )


def _tumbler(c: str) -> str:
    d = _dark(c)
    return (
        f'<path d="M150 104H250L240 280Q239 292 227 292H173Q161 292 160 280Z" fill="{c}"/>'
        f'<rect x="142" y="80" width="116" height="28" rx="10" fill="{d}"/>'
        '<rect x="172" y="87" width="40" height="8" rx="4" fill="#1f1a17"/>'
        f'<rect x="154" y="172" width="92" height="56" fill="{CREAM}" opacity=".92"/>'
        + _bird(200, 200)
    )


def _sampler(c: str) -> str:
    colours = ("#c2553f", "#d9864a", "#8f5a3c", "#a23b3b", "#b0476b")
    bags = "".join(
        f'<rect x="{100 + i * 41}" y="{120 + (i % 2) * 12}" width="36" height="70" rx="4" '
        f'fill="{col}"/>'
        f'<rect x="{100 + i * 41}" y="{120 + (i % 2) * 12}" width="36" height="12" rx="3" '
        f'fill="{_dark(col)}"/>'
        for i, col in enumerate(colours)
    )
    return (
        bags + f'<rect x="90" y="176" width="220" height="112" rx="10" fill="{c}"/>'
        f'<rect x="120" y="206" width="160" height="52" rx="6" fill="{CREAM}"/>'
        f'<text x="200" y="238" font-family="{FONT}" font-size="16" font-weight="700" '
        f'fill="{_dark(c)}" text-anchor="middle" letter-spacing="1">TASTING FLIGHT</text>'
    )


def _gift_box(c: str) -> str:
    d = _dark(c)
    return (
        f'<rect x="106" y="162" width="188" height="126" rx="8" fill="{c}"/>'
        f'<rect x="94" y="134" width="212" height="36" rx="6" fill="{d}"/>'
        '<rect x="188" y="134" width="24" height="154" fill="#f3d9a4"/>'
        '<ellipse cx="176" cy="122" rx="26" ry="14" fill="#f3d9a4" '
        'transform="rotate(-20 176 122)"/>'
        '<ellipse cx="224" cy="122" rx="26" ry="14" fill="#f3d9a4" '
        'transform="rotate(20 224 122)"/>'
        '<circle cx="200" cy="130" r="10" fill="#e0b866"/>' + _bird(150, 232, CREAM)
    )


DRAWERS: dict[str, Callable[[str], str]] = {
    "mug": _mug,
    "kettle": _kettle,
    "grinder": _grinder,
    "dripper": _dripper,
    "filters": _filters,
    "coldbrew": _coldbrew,
    "pouches": _pouches,
    "scale": _scale,
    "press": _press,
    "tumbler": _tumbler,
    "sampler": _sampler,
}


def _wrap(text: str, width: int = 24) -> list[str]:
    """Greedy word wrap into at most two lines, never splitting a "(12 oz)" aside."""
    lines: list[str] = []
    for word in re.findall(r"\([^)]*\)|\S+", text):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return [lines[0], " ".join(lines[1:])] if len(lines) > 2 else lines


def _frame(name: str, colour: str, drawing: str) -> str:
    lines = _wrap(name)
    top = 340 if len(lines) == 1 else 328
    text = "".join(
        f'<text x="200" y="{top + i * 30}" font-family="{FONT}" font-size="24" '
        f'font-weight="700" fill="{INK}" text-anchor="middle">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400" '
        f'role="img" aria-label="{escape(name, {chr(34): "&quot;"})}">'
        f'<rect width="400" height="400" rx="28" fill="{_mix(colour, CREAM, 0.86)}"/>'
        f'<ellipse cx="200" cy="294" rx="118" ry="12" fill="{INK}" opacity=".1"/>'
        f"{drawing}{text}</svg>\n"
    )


def product_svg(spec: ProductSpec) -> str:
    """The picture of one product."""
    drawing = (
        _bag(spec.colour, spec.label) if spec.kind == "bag" else DRAWERS[spec.kind](spec.colour)
    )
    return _frame(spec.name, spec.colour, drawing)


def bundle_svg(spec: BundleSpec) -> str:
    return _frame(spec.name, spec.colour, _gift_box(spec.colour))


def write_images(assets_dir: Path = ASSETS_DIR) -> list[Path]:
    """(Re)write every picture under `assets_dir`; files already up to date are left alone."""
    files = [(assets_dir / "products" / f"{p.slug}.svg", product_svg(p)) for p in PRODUCTS]
    files += [(assets_dir / "bundles" / f"{b.slug}.svg", bundle_svg(b)) for b in BUNDLES]
    for path, svg in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != svg:
            path.write_text(svg, encoding="utf-8")
    return [path for path, _ in files]
