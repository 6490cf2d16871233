"""The dashboard's Plotly figures, drawn from an analytics `Report` in the admin's theme (Radix
iris and slate). Plain functions of the data: the state only stores what they return.

Every bar chart keeps its categories in a fixed order so a click's `pointNumber` maps back to
the key behind the bar (`*_KEYS` in the state)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import plotly.graph_objects as go

from cart_admin.domain.analytics.engagement import TriggerRow, UpsellRow
from cart_admin.domain.analytics.incrementality import Incrementality
from cart_admin.domain.analytics.recovery import ChannelRow, StageRow
from cart_admin.domain.analytics.stats import wilson_interval
from cart_admin.domain.save_flow.stages import BY_STAGE
from cart_admin.formatting import money_affixes

ACCENT = "#5b5bd6"  # iris 9
ACCENT_SOFT = "#c6c8ff"  # iris 6
ACCENT_DARK = "#272962"  # iris 12
GRAY = "#8b8d98"  # slate 9
GRAY_SOFT = "#d9d9e0"  # slate 6
TEXT = "#1c2024"  # slate 12
MUTED = "#60646c"  # slate 11
GRID = "#e8e8ec"  # slate 4
GREEN = "#30a46c"  # green 9
RED = "#e5484d"  # red 9
FONT = "Inter, -apple-system, 'Segoe UI', Roboto, sans-serif"

CONFIG = {"displayModeBar": False, "responsive": True}  # rx.plotly(config=...)

CHANNEL_NAMES = {
    "EMAIL": "E-mail",
    "SMS": "SMS",
    "PUSH": "Push",
    "VOICE": "Voice",
    "IN_APP": "In-app",
}


def words(key: str) -> str:
    """'SHIPPING_COST' -> 'Shipping cost'."""
    return key.replace("_", " ").capitalize()


def _layout(fig: go.Figure, *, height: int, **extra) -> go.Figure:
    """The product's look: no Plotly template (it adds ~7 KB a figure), transparent paper,
    light grid, hover labels in the page's font."""
    fig.update_layout(
        template=None,
        height=height,
        margin={"l": 8, "r": 16, "t": 8, "b": 8},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 12, "color": TEXT},
        hoverlabel={"font": {"family": FONT, "size": 12}, "bgcolor": "white",
                    "bordercolor": GRAY_SOFT},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                "font": {"color": MUTED}},
        bargap=0.28,
        **extra,
    )  # fmt: skip
    axis = {"gridcolor": GRID, "zerolinecolor": GRAY_SOFT, "linecolor": GRAY_SOFT,
            "tickfont": {"color": MUTED}, "automargin": True}  # fmt: skip
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


def _days(start: datetime, end: datetime) -> list[date]:
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def incrementality_figure(inc: Incrementality) -> go.Figure:
    """Recovery rate of contacted carts against the holdout, each with its 95% interval."""
    groups = [("Holdout", inc.holdout, GRAY), ("Save flow", inc.treated, ACCENT)]
    rates, lows, highs = [], [], []
    for _, g, _ in groups:
        low, high = wilson_interval(g.recovered, g.carts)
        rates.append(g.recovery_rate * 100)
        lows.append((g.recovery_rate - low) * 100)
        highs.append((high - g.recovery_rate) * 100)
    fig = go.Figure(
        go.Bar(
            y=[f"{name}<br><span style='font-size:11px'>{g.carts:,} carts</span>"
               for name, g, _ in groups],
            x=rates,
            orientation="h",
            marker={"color": [color for _, _, color in groups]},
            error_x={"type": "data", "symmetric": False, "array": highs, "arrayminus": lows,
                     "color": TEXT, "thickness": 1.2, "width": 5},
            text=[f"{r:.1f}%" for r in rates],
            textposition="outside",
            cliponaxis=False,
            customdata=[[g.recovered, g.carts] for _, g, _ in groups],
            hovertemplate="%{x:.1f}% recovered: %{customdata[0]:,} of %{customdata[1]:,} carts"
            "<extra>95% interval shown</extra>",
        )
    )  # fmt: skip
    _layout(fig, height=170, showlegend=False)
    fig.update_xaxes(ticksuffix="%", rangemode="tozero")
    return fig


def timeline_figure(timeline: list[dict], start: datetime, end: datetime) -> go.Figure:
    """Abandoned and recovered carts per day, and the day's recovery rate on its own axis."""
    found = {row["date"]: row for row in timeline}
    days = _days(start, end)
    rows = [found.get(d.isoformat(), {"abandoned": 0, "recovered": 0}) for d in days]
    abandoned = [r["abandoned"] for r in rows]
    recovered = [r["recovered"] for r in rows]
    rate = [(k / n * 100) if n else None for k, n in zip(recovered, abandoned, strict=True)]
    fig = go.Figure()
    fig.add_bar(x=days, y=abandoned, name="Abandoned", marker_color=ACCENT_SOFT,
                hovertemplate="%{x|%b %-d}: %{y:,} abandoned<extra></extra>")  # fmt: skip
    fig.add_bar(x=days, y=recovered, name="Recovered", marker_color=ACCENT,
                hovertemplate="%{x|%b %-d}: %{y:,} recovered<extra></extra>")  # fmt: skip
    fig.add_scatter(x=days, y=rate, name="Recovery rate", yaxis="y2", mode="lines+markers",
                    line={"color": GREEN, "width": 2}, marker={"size": 4},
                    connectgaps=True,
                    hovertemplate="%{x|%b %-d}: %{y:.1f}% recovered<extra></extra>")  # fmt: skip
    _layout(fig, height=280, barmode="overlay", hovermode="x unified")
    fig.update_layout(
        yaxis={"title": {"text": "Carts", "font": {"color": MUTED}}, "rangemode": "tozero"},
        yaxis2={"overlaying": "y", "side": "right", "ticksuffix": "%", "rangemode": "tozero",
                "showgrid": False, "tickfont": {"color": GREEN}},
    )  # fmt: skip
    return fig


def funnel_figure(stages: list[StageRow]) -> go.Figure:
    """The seven stages, first on top: attempts that reached each, and those it converted."""
    names = [f"{i}. {BY_STAGE[s.stage].title}" for i, s in enumerate(stages, start=1)]
    fig = go.Figure()
    fig.add_bar(y=names, x=[s.reached for s in stages], name="Reached", orientation="h",
                marker_color=ACCENT_SOFT, text=[f"{s.reached:,}" for s in stages],
                textposition="outside", cliponaxis=False,
                hovertemplate="%{y}<br>%{x:,} attempts reached it"
                "<extra>click for the list</extra>")  # fmt: skip
    fig.add_bar(y=names, x=[s.converted for s in stages], name="Converted by it", orientation="h",
                marker_color=ACCENT,
                customdata=[f"{s.conversion_rate:.1%}" for s in stages],
                hovertemplate="%{y}<br>%{x:,} orders (%{customdata} of those reached)"
                "<extra>click for the list</extra>")  # fmt: skip
    _layout(fig, height=300, barmode="overlay")
    fig.update_yaxes(autorange="reversed")
    return fig


def channels_figure(
    channels: list[ChannelRow], window_label: str, currency: str = "USD"
) -> go.Figure:
    """Revenue attributed to each channel within the window, with its messages and orders."""
    pre, post = money_affixes(currency)
    fig = go.Figure(
        go.Bar(
            x=[CHANNEL_NAMES.get(str(c.channel), str(c.channel)) for c in channels],
            y=[float(c.revenue) for c in channels],
            marker_color=ACCENT,
            text=[f"{c.conversions:,} orders" for c in channels],
            textposition="outside",
            cliponaxis=False,
            customdata=[[c.attempts, c.conversions, c.conversion_rate * 100] for c in channels],
            hovertemplate="%{x}: " + pre + "%{y:,.2f}" + post + " (" + window_label + ")<br>"
            "%{customdata[0]:,} sent, "
            "%{customdata[1]:,} orders (%{customdata[2]:.1f}%)<extra>click for the list</extra>",
        )
    )  # fmt: skip
    _layout(fig, height=260, showlegend=False)
    fig.update_yaxes(tickprefix=pre, ticksuffix=post, rangemode="tozero")
    return fig


def reasons_figure(reasons: list[dict]) -> go.Figure:
    """Treated attempts by abandonment reason, and how many came back (largest first)."""
    rows = [r for r in reasons if r["attempts"]]
    fig = go.Figure()
    fig.add_bar(y=[words(r["reason"]) for r in rows], x=[r["attempts"] for r in rows],
                name="Attempts", orientation="h", marker_color=ACCENT_SOFT,
                hovertemplate="%{y}: %{x:,} attempts<extra>click for the list</extra>")  # fmt: skip
    fig.add_bar(y=[words(r["reason"]) for r in rows], x=[r["recovered"] for r in rows],
                name="Recovered", orientation="h", marker_color=ACCENT,
                customdata=[r["recoveryRate"] * 100 for r in rows],
                hovertemplate="%{y}: %{x:,} recovered (%{customdata:.1f}%)"
                "<extra>click for the list</extra>")  # fmt: skip
    _layout(fig, height=max(160, 34 * len(rows) + 60), barmode="overlay")
    fig.update_yaxes(autorange="reversed")
    return fig


def reason_keys(reasons: list[dict]) -> list[str]:
    """The reasons in the order `reasons_figure` draws them (for its clicks)."""
    return [r["reason"] for r in reasons if r["attempts"]]


def trigger_lift_figure(triggers: list[TriggerRow]) -> go.Figure:
    """Each trigger's conversion minus its control's, in points, with the 95% interval; green
    when it significantly helps, red when it significantly hurts, gray when the sample is too
    small to tell."""
    rows = [t for t in triggers if t.impressions or t.control_impressions]
    colors = [GRAY if t.lift.too_small else ACCENT if not t.lift.significant
              else GREEN if t.lift.difference > 0 else RED for t in rows]  # fmt: skip
    fig = go.Figure(
        go.Scatter(
            y=[words(str(t.trigger)) for t in rows],
            x=[t.lift.difference * 100 for t in rows],
            mode="markers",
            marker={"size": 11, "color": colors, "symbol": "diamond"},
            error_x={"type": "data", "symmetric": False,
                     "array": [(t.lift.ci_high - t.lift.difference) * 100 for t in rows],
                     "arrayminus": [(t.lift.difference - t.lift.ci_low) * 100 for t in rows],
                     "color": MUTED, "thickness": 1.5, "width": 4},
            customdata=[[t.lift.rate_a * 100, t.lift.rate_b * 100, t.carts,
                         t.control_carts, t.lift.p_value,
                         "too small to tell" if t.lift.too_small
                         else ("significant" if t.lift.significant else "not significant")]
                        for t in rows],
            hovertemplate="%{y}: %{x:+.1f} points<br>shown %{customdata[0]:.1f}% of "
            "%{customdata[2]:,} · control %{customdata[1]:.1f}% of %{customdata[3]:,}"
            "<br>p = %{customdata[4]:.3f}, %{customdata[5]}<extra></extra>",
        )
    )  # fmt: skip
    _layout(fig, height=max(160, 40 * len(rows) + 60), showlegend=False)
    fig.add_vline(x=0, line={"color": GRAY, "width": 1, "dash": "dot"})
    fig.update_xaxes(ticksuffix=" pt", zeroline=False, range=_lift_range(rows))
    fig.update_yaxes(autorange="reversed")
    return fig


def _lift_range(rows: list[TriggerRow]) -> list[float] | None:
    """Wide enough for every interval that means something; a too-small sample's interval
    (it can span 100 points) runs off the edge rather than squash the others."""
    sized = [t for t in rows if not t.lift.too_small] or rows
    if not sized:
        return None
    edge = max(max(abs(t.lift.ci_low), abs(t.lift.ci_high)) for t in sized) * 100
    edge = max(5.0, edge * 1.15)
    return [-edge, edge]


def upsells_figure(upsells: list[UpsellRow], currency: str = "USD") -> go.Figure:
    """Offers presented and accepted by upsell type, most presented first."""
    pre, post = money_affixes(currency)
    rows = sorted((u for u in upsells if u.presented), key=lambda u: -u.presented)
    names = [words(str(u.type)) for u in rows]
    fig = go.Figure()
    fig.add_bar(y=names, x=[u.presented for u in rows], name="Presented", orientation="h",
                marker_color=ACCENT_SOFT,
                hovertemplate="%{y}: %{x:,} presented<extra></extra>")  # fmt: skip
    fig.add_bar(y=names, x=[u.accepted for u in rows], name="Accepted", orientation="h",
                marker_color=ACCENT,
                customdata=[[u.acceptance_rate * 100, float(u.revenue)] for u in rows],
                hovertemplate="%{y}: %{x:,} accepted (%{customdata[0]:.1f}%), " + pre
                + "%{customdata[1]:,.2f}" + post + "<extra></extra>")  # fmt: skip
    _layout(fig, height=max(160, 28 * len(rows) + 60), barmode="overlay")
    fig.update_yaxes(autorange="reversed")
    return fig
