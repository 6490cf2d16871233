"""A report's files: each table of `report.TABLES` as a CSV file, and the whole period on one
printed A4 page (PDF) for a manager. Plain Python over a built `Report`; nothing here queries
the database, so the files hold exactly the figures the page and the API show."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fpdf import FPDF

from cart_admin.domain.analytics.report import TABLES, Report
from cart_admin.domain.analytics.stats import RateComparison
from cart_admin.domain.analytics.success import PeriodFigures, SuccessMetric
from cart_admin.domain.save_flow.stages import BY_STAGE
from cart_admin.formatting import count, money, percent

# --- CSV ---------------------------------------------------------------------------------------


class UnknownTable(KeyError):
    """A table name that is not one of `TABLES`."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"There is no table {self.name!r}; the tables are: {', '.join(TABLES)}."


# What a spreadsheet would read as a formula (OWASP's list); numbers are left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: object) -> str:
    """A cell as the file holds it: money with two decimals, booleans as true/false, and text
    a spreadsheet would run as a formula behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):  # every Decimal of the tables is an amount of money
        return f"{value:.2f}"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def table_csv(report: Report, name: str) -> str:
    """The table `name` (a key of `TABLES`) as RFC 4180 CSV: the header row, then the rows."""
    try:
        build = TABLES[name]
    except KeyError:
        raise UnknownTable(name) from None
    head, rows = build(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in head])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return out.getvalue()


# --- PDF: text the built-in fonts can print ---------------------------------------------------

# The built-in PDF fonts print one byte a character; Windows-1252 has the euro sign, dashes and
# curly quotes that Latin-1 lacks.
ENCODING = "windows-1252"
_DROPPED = {"So", "Sk", "Mn", "Me", "Cf", "Cs", "Co", "Cn"}  # emoji, joiners, modifiers
# Letters and signs that have no decomposition to fall back on.
_SPELLED = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "ŧ": "t",
            "−": "-", "≤": "<=", "≥": ">=", "≠": "!=", "→": "->", "←": "<-"}  # fmt: skip


def _printable_char(ch: str) -> bool:
    try:
        ch.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """`text` as the built-in fonts can print it: a letter outside the code page loses its
    accent (ő → o), emoji and other symbols go, anything else becomes '?'."""
    out = []
    for ch in text:
        if unicodedata.category(ch) == "Cc":
            out.append(" ")
        elif _printable_char(ch):
            out.append(ch)
        elif ch in _SPELLED:
            out.append(_SPELLED[ch])
        else:
            base = "".join(
                c
                for c in unicodedata.normalize("NFKD", ch)
                if _printable_char(c) and not unicodedata.combining(c)
            )
            if base or unicodedata.category(ch) not in _DROPPED:
                out.append(base or "?")
    return re.sub(r"\s+", " ", "".join(out)).strip()


# --- PDF: how figures read on paper -----------------------------------------------------------


def _cash(value: Decimal | float, currency: str) -> str:
    amount = Decimal(str(value))
    return f"-{money(-amount, currency)}" if amount < 0 else money(amount, currency)


def _day(value: datetime) -> str:
    return f"{value.day} {value:%b %Y}"


def period_label(report: Report) -> str:
    """'1 Mar 2026 – 30 Mar 2026': the UTC days the report covers, both included."""
    first = report.start.astimezone(UTC)
    last = (report.end - timedelta(microseconds=1)).astimezone(UTC)
    return f"{_day(first)} – {_day(last)}"


def _label(code: str) -> str:
    """An enum's value as a person reads it: 'SOCIAL_PROOF' → 'Social proof'."""
    words = code.replace("_", " ").lower().split()
    words = [w.upper() if w in {"sms", "ai"} else w for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _verdict(test: RateComparison, too_small: bool | None = None) -> tuple[str, str]:
    """(text, tone) of a comparison: significant, not significant, or too small to tell."""
    if test.too_small if too_small is None else too_small:
        return "Sample too small", "muted"
    if test.significant:  # a significant loss is bad news, not good
        return f"Significant (p = {test.p_value:.3f})", "good" if test.difference > 0 else "bad"
    return f"Not significant (p = {test.p_value:.2f})", "muted"


# The count each success metric divides by: without it there is nothing to report.
_SAMPLE = {
    "abandonmentRate": "carts",
    "recoveryRate": "abandoned",
    "avgCartValue": "orders",
    "upsellAcceptance": "upsells_presented",
    "checkoutCompletion": "checkout_starts",
}


def _has_data(figures: PeriodFigures, key: str) -> bool:
    return bool(getattr(figures, _SAMPLE.get(key, "carts")))


def _metric_value(m: SuccessMetric, value: float | None, currency: str) -> str:
    if value is None:
        return "–"
    return _cash(round(value, 2), currency) if m.key == "avgCartValue" else percent(value)


def _metric_change(m: SuccessMetric, now: float | None, before: float | None) -> str:
    """Rates change in percentage points, money relatively."""
    if now is None or before is None:
        return "–"
    if m.key == "avgCartValue":
        return f"{(now - before) / before * 100:+.1f}%" if before else "–"
    return f"{(now - before) * 100:+.1f} pts"


# --- PDF: the page ----------------------------------------------------------------------------

INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (37, 99, 235)
PALE = (219, 234, 254)
TRACK = (241, 243, 245)
PANEL = (248, 249, 250)
RULE = (206, 212, 218)
TONES = {"ink": INK, "muted": MUTED, "good": (21, 128, 61), "bad": (185, 28, 28)}

MARGIN = 15.0
WIDTH = 210.0 - 2 * MARGIN  # A4 portrait, mm
ROW = 5.0
Cell = str | tuple[str, str]  # a table cell: text, or (text, tone)
TOP_ROWS = 6  # reasons and triggers: the rest are in their CSV files


class _Page:
    """One A4 page and the few drawing moves the report is made of."""

    def __init__(self, title: str, created: datetime) -> None:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.core_fonts_encoding = ENCODING
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_creation_date(created)
        pdf.set_title(printable(title))
        pdf.set_creator("Cart Admin")
        pdf.add_page()
        self.pdf = pdf

    def font(self, size: float, style: str = "", tone: str = "ink") -> None:
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.set_text_color(*TONES[tone])

    def fit(self, text: str, width: float) -> str:
        """`text` cut with an ellipsis to `width` mm in the current font."""
        text = printable(text)
        if self.pdf.get_string_width(text) <= width:
            return text
        while text and self.pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def text(self, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> None:
        self.pdf.set_xy(x, y)
        self.pdf.cell(w, h, self.fit(text, w - 1.0), align=align)

    def rect(self, x: float, y: float, w: float, h: float, color: tuple[int, int, int]) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")

    def rule(self, y: float, color: tuple[int, int, int] = RULE, width: float = 0.2) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.line(MARGIN, y, MARGIN + WIDTH, y)

    def heading(self, y: float, title: str, note: str = "", x: float = MARGIN) -> float:
        self.font(10, "B")
        self.text(x, y, WIDTH, 6, title)
        if note:
            shift = self.pdf.get_string_width(printable(title)) + 2.5
            self.font(7.5, tone="muted")
            self.text(x + shift, y + 0.4, WIDTH - shift, 6, note)
        return y + 6.5

    def table(
        self,
        x: float,
        y: float,
        columns: Sequence[tuple[str, float, str]],  # (header, width, align)
        rows: Sequence[Sequence[Cell]],
        empty: str = "",
    ) -> float:
        """A table with a header row and zebra rows (`empty` when there are none); returns the
        y under it."""
        width = sum(w for _, w, _ in columns)
        self.font(7.5, "B", "muted")
        cx = x
        for head, w, align in columns:
            self.text(cx, y, w, ROW, head, align)
            cx += w
        self.pdf.set_draw_color(*RULE)
        self.pdf.set_line_width(0.2)
        self.pdf.line(x, y + ROW, x + width, y + ROW)
        y += ROW + 0.3
        if not rows:
            self.font(8.5, tone="muted")
            self.text(x, y, width, ROW, empty)
            return y + ROW
        for index, row in enumerate(rows):
            if index % 2:
                self.rect(x, y, width, ROW, PANEL)
            cx = x
            for (_, w, align), cell in zip(columns, row, strict=True):
                text, tone = cell if isinstance(cell, tuple) else (cell, "ink")
                self.font(8.5, tone=tone)
                self.text(cx, y, w, ROW, text, align)
                cx += w
            y += ROW
        return y

    def output(self) -> bytes:
        assert self.pdf.pages_count == 1, "the report must fit on one page"
        return bytes(self.pdf.output())


def pdf_report(
    report: Report, *, company_name: str, currency: str, generated_at: datetime | None = None
) -> bytes:
    """The report on one A4 page: who and when, the incrementality headline, the success
    metrics against their targets and the period before, the stage funnel, channels, top
    reasons, triggers and voice. The same report and `generated_at` give the same bytes
    (without `generated_at` the file is dated by the period's end)."""
    page = _Page(f"{company_name} – cart recovery report", generated_at or report.end)
    y = _header(page, report, company_name)
    y = _headline(page, report, currency, y + 3)
    y = _success(page, report, currency, y + 4)
    y = _funnel(page, report, y + 4)
    y = _channels_and_reasons(page, report, currency, y + 4)
    y = _triggers(page, report, y + 4)
    _voice(page, report, currency, y + 4)
    _footer(page, report, generated_at)
    return page.output()


def _header(page: _Page, report: Report, company_name: str) -> float:
    y = MARGIN
    page.font(18, "B")
    page.text(MARGIN, y, WIDTH, 9, company_name or "Cart recovery report")
    y += 9
    page.font(10, tone="muted")
    page.text(MARGIN, y, WIDTH * 0.62, 6, f"Cart recovery report  ·  {period_label(report)} (UTC)")
    page.font(9, tone="muted")
    page.text(
        MARGIN + WIDTH * 0.62, y, WIDTH * 0.38, 6,
        f"Attribution window: {report.window.label}", align="R",
    )  # fmt: skip
    y += 7.5
    page.rule(y, ACCENT, 0.6)
    return y


def _headline(page: _Page, report: Report, currency: str, y: float) -> float:
    """The incrementality against the holdout, first: what the flow added over doing nothing."""
    inc = report.incrementality
    low, high = inc.incremental_revenue_interval
    too_small = inc.rate.too_small or inc.revenue_per_cart.too_small
    page.rect(MARGIN, y, WIDTH, 27, PANEL)
    left, right = MARGIN + 4, MARGIN + WIDTH / 2 + 2
    page.font(7.5, "B", "muted")
    page.text(left, y + 2.5, 80, 4, "INCREMENTAL REVENUE  (VS HOLDOUT)")
    page.text(right, y + 2.5, 80, 4, "RECOVERY RATE  (TREATED VS HOLDOUT)")
    page.font(20, "B")
    headline = _cash(inc.incremental_revenue, currency) if inc.comparable else "-"
    page.text(left, y + 7, 84, 10, headline)
    page.font(15, "B")
    page.text(
        right, y + 7.5, 84, 9,
        f"{percent(inc.treated.recovery_rate)}  vs  {percent(inc.holdout.recovery_rate)}",
    )  # fmt: skip
    page.font(8.5, tone="muted")
    interval = (
        f"95% interval {_cash(low, currency)} to {_cash(high, currency)}"
        if inc.comparable
        else "No holdout carts in this period: nothing to compare"
    )
    page.text(left, y + 17, 84, 4.5, interval)  # fmt: skip
    page.text(
        right, y + 17, 84, 4.5,
        f"{count(inc.treated.recovered)} of {count(inc.treated.carts)} treated carts, "
        f"{count(inc.holdout.recovered)} of {count(inc.holdout.carts)} holdout",
    )  # fmt: skip
    verdict, tone = _verdict(inc.rate, too_small)
    if too_small:
        verdict = "Sample too small to tell (30+ carts a group)"
    page.font(8.5, "B", tone)
    page.text(right, y + 21.5, 84, 4.5, verdict)
    page.font(8, "I", "muted")
    page.text(left, y + 21.5, 84, 4.5, "Every purchase counts (no attribution window)")
    y += 27
    rec = report.recovery
    line = (
        f"{count(rec.abandoned)} carts abandoned, {count(rec.recovered)} recovered "
        f"({percent(rec.recovery_rate)}), worth {_cash(rec.recovery_value, currency)}"
    )
    if rec.avg_hours_to_recovery is not None:
        line += f"; {rec.avg_hours_to_recovery:.1f} h to recovery on average"
    page.font(8.5)
    page.text(MARGIN, y + 1, WIDTH, 5, line + ".")
    return y + 6


def _success(page: _Page, report: Report, currency: str, y: float) -> float:
    days = (report.end - report.start).days
    y = page.heading(y, "Success metrics", f"against the spec's targets and the {days} days before")
    before = {m.key: m for m in report.previous.metrics()}
    rows: list[list[Cell]] = []
    for m in report.figures.metrics():
        now = m.value if _has_data(report.figures, m.key) else None
        prev = before[m.key].value if _has_data(report.previous, m.key) else None
        if now is None:
            status = ("No data", "muted")
        else:
            status = ("Met", "good") if m.met else ("Not met", "bad")
        rows.append([
            m.label,
            _metric_value(m, now, currency),
            _metric_value(m, prev, currency),
            _metric_change(m, now, prev),
            _metric_value(m, m.baseline, currency),
            ("at most " if m.lower_is_better else "at least ")
            + _metric_value(m, m.target, currency),
            status,
        ])  # fmt: skip
    columns = [("Metric", 44, "L"), ("This period", 22, "R"), ("Previous", 22, "R"),
               ("Change", 22, "R"), ("Baseline", 20, "R"), ("Target", 30, "R"),
               ("Status", 20, "R")]  # fmt: skip
    return page.table(MARGIN, y, columns, rows)


def _funnel(page: _Page, report: Report, y: float) -> float:
    """The seven stages as bars: attempts reaching each (pale), converted by it (dark)."""
    y = page.heading(y, "Save-flow funnel", "attempts started in the period that reached each "
                     f"stage, and converted by it ({report.window.label})")  # fmt: skip
    label_w, bar_w, gap = 44.0, 74.0, 3.0
    widest = max((s.reached for s in report.stages), default=0) or 1
    for number, s in enumerate(report.stages, start=1):
        page.font(8.5)
        page.text(MARGIN, y, label_w, 5.5, f"{number}. {BY_STAGE[s.stage].title}")
        bar_x = MARGIN + label_w
        page.rect(bar_x, y + 0.9, bar_w, 3.7, TRACK)
        if s.reached:
            page.rect(bar_x, y + 0.9, max(0.6, bar_w * s.reached / widest), 3.7, PALE)
        if s.converted:
            page.rect(bar_x, y + 0.9, max(0.6, bar_w * s.converted / widest), 3.7, ACCENT)
        page.font(8.5)
        page.text(
            bar_x + bar_w + gap, y, WIDTH - label_w - bar_w - gap, 5.5,
            f"{count(s.reached)} reached  ·  {count(s.converted)} converted "
            f"({percent(s.conversion_rate)})",
        )  # fmt: skip
        y += 5.5
    return y


def _more(page: _Page, x: float, y: float, hidden: int, table: str) -> float:
    if hidden <= 0:
        return y
    page.font(7.5, "I", "muted")
    page.text(x, y + 0.5, 87, 4, f"+ {hidden} more in the {table} CSV file")
    return y + 4.5


def _channels_and_reasons(page: _Page, report: Report, currency: str, y: float) -> float:
    half, gap = 87.0, WIDTH - 2 * 87.0
    page.heading(y, "Channels", f"revenue: {report.window.label}")
    right = MARGIN + half + gap
    top = page.heading(y, "Top abandonment reasons", "treated attempts", x=right)
    channels: list[list[Cell]] = [
        [_label(str(c.channel)), count(c.attempts), count(c.conversions),
         percent(c.conversion_rate), _cash(c.revenue, currency)]
        for c in report.channels
    ]  # fmt: skip
    left_end = page.table(
        MARGIN, top,
        [("Channel", 21, "L"), ("Sent", 14, "R"), ("Orders", 15, "R"), ("Conv.", 15, "R"),
         ("Revenue", 22, "R")],
        channels,
    )  # fmt: skip
    found = sorted((r for r in report.reasons if r["attempts"]),
                   key=lambda r: -r["attempts"])  # fmt: skip
    reasons: list[list[Cell]] = [
        [_label(r["reason"]), count(r["attempts"]), count(r["recovered"]),
         percent(r["recoveryRate"])]
        for r in found[:TOP_ROWS]
    ]  # fmt: skip
    columns = [("Reason", 39, "L"), ("Attempts", 16, "R"), ("Recovered", 17, "R"),
               ("Rate", 15, "R")]  # fmt: skip
    right_end = page.table(right, top, columns, reasons, "No treated attempts in the period.")
    right_end = _more(page, right, right_end, len(found) - TOP_ROWS, "reasons")
    return max(left_end, right_end)


def _triggers(page: _Page, report: Report, y: float) -> float:
    y = page.heading(y, "Behavioural triggers", "conversion of carts shown each trigger "
                     "against the control carts it was withheld from")  # fmt: skip
    found = sorted(
        (t for t in report.triggers if t.impressions or t.control_impressions),
        key=lambda t: -(t.impressions + t.control_impressions),
    )
    rows: list[list[Cell]] = []
    for t in found[:TOP_ROWS]:
        lift = "–" if t.lift.lift is None else f"{t.lift.lift * 100:+.1f}%"
        rows.append([
            _label(str(t.trigger)), count(t.carts), percent(t.lift.rate_a),
            count(t.control_carts), percent(t.lift.rate_b), lift, _verdict(t.lift),
        ])  # fmt: skip
    columns = [("Trigger", 36, "L"), ("Carts", 18, "R"), ("Conv. rate", 20, "R"),
               ("Control carts", 22, "R"), ("Control rate", 22, "R"), ("Lift", 18, "R"),
               ("Test", 44, "R")]  # fmt: skip
    y = page.table(MARGIN, y, columns, rows, "No trigger impressions in the period.")
    return _more(page, MARGIN, y, len(found) - TOP_ROWS, "triggers")


def _voice(page: _Page, report: Report, currency: str, y: float) -> float:
    v = report.voice
    y = page.heading(y, "Voice calls", f"revenue: {report.window.label}")
    page.font(8.5)
    page.text(
        MARGIN, y, WIDTH, 5,
        f"{count(v.calls_initiated)} calls  ·  {count(v.calls_answered)} answered  ·  "
        f"{count(v.carts_recovered)} carts recovered  ·  "
        f"{_cash(v.revenue_recovered, currency)} revenue  ·  "
        f"{percent(v.failure_rate)} failure rate",
    )  # fmt: skip
    return y + 5


def _footer(page: _Page, report: Report, generated_at: datetime | None) -> None:
    y = 297.0 - MARGIN + 3
    page.rule(y - 1)
    page.font(7, tone="muted")
    made = f"Generated {generated_at.astimezone(UTC):%d %b %Y %H:%M} UTC. " if generated_at else ""
    page.text(
        MARGIN, y, WIDTH, 4,
        f"{made}Periods are UTC days; 'previous' is the period of the same length just before. "
        "Every table is also a CSV download.",
    )  # fmt: skip
