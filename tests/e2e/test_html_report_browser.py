"""The HTML report in headless Chromium, offline: no request leaves the page, the charts render
(SVG with a non-zero size, both line paths present and drawn) and the screenshot is not blank.

Chromium is Debian's ``/usr/bin/chromium`` (``make test-slow`` installs it when missing), driven
by Playwright. The PNG is checked with a small decoder here (no imaging library needed).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from amicable.entrypoints.html_report import render_report

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-quic", "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

DATA: dict[str, Any] = {
    "title": "amicable: agent vs static dunning",
    "subtitle": "90 simulated days, seed 7",
    "kpis": {
        "agent": {"recovered % at 90 days": "61.2", "DSO": 48.5, "touches per account": "2.9"},
        "baseline": {"recovered % at 90 days": "44.0", "DSO": 63.1, "touches per account": "4"},
    },
    "series": {
        "recovered share of the overdue balance": {
            "agent": [[d, round(0.65 * (1 - 0.97**d), 4)] for d in range(91)],
            "baseline": [[d, round(0.45 * (1 - 0.98**d), 4)] for d in range(91)],
        },
        "open balance (USD)": {
            "agent": [[d, 100000 - 600 * d] for d in range(0, 91, 10)],
            "baseline": [[d, 100000 - 400 * d] for d in range(0, 91, 10)],
        },
    },
    "notes": ["simulated population; figures are illustrative"],
}


def _png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit, non-interlaced RGB/RGBA PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + b) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


@pytest.fixture(scope="module")
def browser() -> Any:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run `make test-slow` (it installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def test_the_report_renders_offline_with_its_charts(browser: Any, tmp_path: Path) -> None:
    page_file = tmp_path / "report.html"
    page_file.write_text(render_report(DATA), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    requested: list[str] = []
    blocked: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url == page_file.as_uri():
            route.continue_()
            return
        blocked.append(route.request.url)  # anything else would leave the page: refuse it
        route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda r: requested.append(r.url))
    page.goto(page_file.as_uri(), wait_until="load")

    assert requested == [page_file.as_uri()]  # the page itself, nothing else
    assert blocked == []
    assert page.title() == "amicable: agent vs static dunning"
    charts = page.locator("svg.chart")
    assert charts.count() == 2
    for n in range(2):
        box = charts.nth(n).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
        for side in ("agent", "baseline"):
            path = charts.nth(n).locator(f"path.line-{side}")
            assert path.count() == 1
            length = path.evaluate("p => p.getTotalLength()")
            assert length > 50  # a drawn line, not an empty path
            pbox = path.bounding_box()
            assert pbox is not None and pbox["width"] > 50
    assert page.locator("table.kpis tbody tr").count() == 3

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    context.close()
    width, height, rows = _png_pixels(shot.read_bytes())
    assert width >= 900 and height >= 800
    colours = {row[x : x + 3] for row in rows[::7] for x in range(0, len(row), 3 * 11)}
    assert len(colours) > 10, "the screenshot is (almost) one colour"
