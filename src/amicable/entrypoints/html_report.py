"""The offline HTML report: one self-contained page (inline CSS, inline SVG charts, no script, no
external URL) comparing the agent with a baseline.

``render_report(data)`` takes::

    {"title": str, "subtitle": str,
     "kpis": {"agent": {name: number | str}, "baseline": {name: number | str}},
     "series": {series_name: {"agent": [[day, number], …], "baseline": [[day, number], …]}},
     "notes": [str]}

and returns the page: a KPI table side by side (agent, baseline, difference agent − baseline when
both are numbers, uncoloured: higher is better for some KPIs, worse for others; a missing value shows as an em dash), one line chart per series (axes, ticks,
legend, one line per side present), then the notes.

Invariants: every piece of text from ``data`` is HTML-escaped; the page references no resource
outside itself (no ``src``/``href`` to any URL), so it renders without a network; numbers are
formatted without float noise (``Decimal`` arithmetic for the difference).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any, Final

__all__ = ["render_report"]

_WIDTH: Final[int] = 720
_HEIGHT: Final[int] = 340
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 20, 36, 48
_COLOURS: Final[dict[str, str]] = {"agent": "#1f6feb", "baseline": "#d97706"}
_DASH: Final[dict[str, str]] = {"agent": "", "baseline": ' stroke-dasharray="7 4"'}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:960px;color:#1f2328;background:#fff;padding:0 1rem}
h1{margin-bottom:.2rem}p.subtitle{color:#59636e;margin-top:0}
table{border-collapse:collapse;margin:1rem 0;min-width:60%}
th,td{border-bottom:1px solid #d1d9e0;padding:.35rem .8rem;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{background:#f6f8fa}
figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
svg text{font-size:12px;fill:#59636e}ul.notes{color:#59636e}
"""


def _number(value: object) -> Decimal | None:
    """A number as ``Decimal`` (ints, floats, decimal strings); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if math.isfinite(value) else str(value)
    return str(value)


def _kpi_table(agent: Mapping[str, Any], baseline: Mapping[str, Any]) -> str:
    names = list(agent) + [n for n in baseline if n not in agent]
    rows = []
    for name in names:
        a, b = agent.get(name), baseline.get(name)
        na, nb = _number(a), _number(b)
        if na is not None and nb is not None:
            diff = na - nb
            shown = ("+" if diff > 0 else "") + format(diff.normalize(), "f")
            diff_cell = f'<td class="diff">{escape(shown)}</td>'
        else:
            diff_cell = "<td>—</td>"
        rows.append(
            f"<tr><td>{escape(name)}</td><td>{escape(_fmt(a))}</td>"
            f"<td>{escape(_fmt(b))}</td>{diff_cell}</tr>"
        )
    return (
        '<table class="kpis"><thead><tr><th>KPI</th><th>agent</th><th>baseline</th>'
        f"<th>difference</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= m * power:
            return float(m * power)
    return float(10 * power)


def _ticks(low: float, high: float) -> list[float]:
    step = _nice_step(high - low)
    first = math.floor(low / step) * step
    out, v = [], first
    while v <= high + step * 1e-9:
        if v >= low - step * 1e-9:
            out.append(round(v, 10))
        v += step
    return out


def _label(v: float) -> str:
    if v == int(v):
        return f"{int(v):,}"  # 600,000 rather than 600000
    return format(Decimal(repr(v)).normalize(), ",f")


def _points(raw: Sequence[Sequence[object]]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for pair in raw:
        x, y = _number(pair[0]), _number(pair[1])
        if x is not None and y is not None:
            pts.append((float(x), float(y)))
    pts.sort()
    return pts


def _chart(index: int, name: str, sides: Mapping[str, Sequence[Sequence[object]]]) -> str:
    lines = {side: _points(sides.get(side) or []) for side in ("agent", "baseline")}
    present = {s: p for s, p in lines.items() if p}
    every = [pt for p in present.values() for pt in p]
    if not every:
        return f"<figure><figcaption>{escape(name)}</figcaption><p>no data</p></figure>"
    x0, x1 = min(x for x, _ in every), max(x for x, _ in every)
    y0, y1 = min(0.0, min(y for _, y in every)), max(y for _, y in every)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    step = _nice_step(y1 - y0)
    y0, y1 = math.floor(y0 / step) * step, math.ceil(y1 / step) * step  # end on a tick
    yt = _ticks(y0, y1)
    xt = _ticks(x0, x1)
    pw, ph = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def sx(x: float) -> float:
        return round(_LEFT + (x - x0) / (x1 - x0) * pw, 2)

    def sy(y: float) -> float:
        return round(_TOP + ph - (y - y0) / (y1 - y0) * ph, 2)

    parts = [
        f'<svg id="chart-{index}" class="chart" '
        f'width="{_WIDTH}" height="{_HEIGHT}" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="{escape(name)}">',
        f'<rect x="0" y="0" width="{_WIDTH}" height="{_HEIGHT}" fill="#ffffff"/>',
    ]
    for t in yt:
        y = sy(t)
        parts.append(f'<line x1="{_LEFT}" y1="{y}" x2="{_WIDTH - _RIGHT}" y2="{y}" '
                     'stroke="#eaeef2"/>')  # fmt: skip
        parts.append(f'<text x="{_LEFT - 8}" y="{y + 4}" text-anchor="end">{_label(t)}</text>')
    for t in xt:
        if x0 <= t <= x1:
            x = sx(t)
            parts.append(f'<line x1="{x}" y1="{_TOP + ph}" x2="{x}" y2="{_TOP + ph + 5}" '
                         'stroke="#59636e"/>')  # fmt: skip
            parts.append(f'<text x="{x}" y="{_TOP + ph + 18}" text-anchor="middle">'
                         f"{_label(t)}</text>")  # fmt: skip
    parts.append(f'<line class="axis" x1="{_LEFT}" y1="{_TOP + ph}" x2="{_WIDTH - _RIGHT}" '
                 f'y2="{_TOP + ph}" stroke="#59636e"/>')  # fmt: skip
    parts.append(f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_TOP + ph}" '
                 'stroke="#59636e"/>')  # fmt: skip
    parts.append(f'<text x="{_LEFT + pw / 2}" y="{_HEIGHT - 8}" text-anchor="middle">day</text>')
    legend_x = _LEFT + 10
    for side, pts in present.items():
        d = " ".join(f"{'M' if n == 0 else 'L'}{sx(x)},{sy(y)}" for n, (x, y) in enumerate(pts))
        parts.append(f'<path class="line line-{side}" d="{d}" fill="none" '
                     f'stroke="{_COLOURS[side]}" stroke-width="2"{_DASH[side]}/>')  # fmt: skip
        parts.append(f'<line x1="{legend_x}" y1="{_TOP - 16}" x2="{legend_x + 24}" '
                     f'y2="{_TOP - 16}" stroke="{_COLOURS[side]}" stroke-width="2"'
                     f'{_DASH[side]}/>')  # fmt: skip
        parts.append(f'<text class="legend" x="{legend_x + 30}" y="{_TOP - 12}">{side}</text>')
        legend_x += 110
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(name)}</figcaption>{''.join(parts)}</figure>"


def render_report(data: dict[str, Any]) -> str:
    """The self-contained HTML page for ``data`` (shape in the module docstring)."""
    title = str(data.get("title", "amicable report"))
    subtitle = str(data.get("subtitle", ""))
    kpis = data.get("kpis") or {}
    series = data.get("series") or {}
    notes = data.get("notes") or []
    charts = "".join(_chart(n, str(name), sides) for n, (name, sides) in enumerate(series.items()))
    note_items = "".join(f"<li>{escape(str(n))}</li>" for n in notes)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="subtitle">{escape(subtitle)}</p>'
        f"<h2>Key figures</h2>{_kpi_table(kpis.get('agent') or {}, kpis.get('baseline') or {})}"
        f"<h2>Charts</h2>{charts or '<p>no series</p>'}"
        f'<h2>Notes</h2><ul class="notes">{note_items}</ul>'
        "</body></html>\n"
    )
