"""The offline HTML report renderer: well-formed, self-contained, escaped, both lines drawn."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from amicable.entrypoints.html_report import render_report

VOID = {"meta", "br", "hr", "img", "input", "link", "path", "line", "rect"}


class _Balance(HTMLParser):
    """Checks that every element is closed in order; collects tags and their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Agent vs <dunning>",
        "subtitle": "90 days & 2,000 accounts",
        "kpis": {
            "agent": {"recovered %": "41.5", "touches per account": 3.25, "policy": "v2"},
            "baseline": {"recovered %": "30.0", "touches per account": 4, "escalations": 12},
        },
        "series": {
            "recovered share": {"agent": [[0, 0], [30, 0.2], [90, 0.6]],
                                "baseline": [[0, 0], [30, 0.1], [90, 0.4]]},
            "open balance": {"agent": [[0, 1000], [90, 400]], "baseline": []},
        },
        "notes": ["seed 7", "a <script>alert(1)</script> note"],
    }  # fmt: skip
    data.update(over)
    return data


def parse(page: str) -> _Balance:
    checker = _Balance()
    checker.feed(page)
    checker.close()
    return checker


def test_the_page_is_well_formed_html() -> None:
    checker = parse(render_report(_data()))
    assert checker.doctype
    assert checker.errors == [] and checker.stack == []


def test_the_page_references_nothing_outside_itself() -> None:
    page = render_report(_data())
    assert not re.search(r"https?:|//|\bsrc=|\bhref=|url\(|@import", page)
    assert "<script" not in page  # the note's script is escaped text, and we ship none


def test_text_from_the_data_is_escaped() -> None:
    page = render_report(_data())
    assert "Agent vs &lt;dunning&gt;" in page
    assert "90 days &amp; 2,000 accounts" in page
    assert "a &lt;script&gt;alert(1)&lt;/script&gt; note" in page


def test_kpis_side_by_side_with_the_difference_where_both_are_numbers() -> None:
    page = render_report(_data())
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td></tr>",
                      page)  # fmt: skip
    assert rows == [
        ("recovered %", "41.5", "30.0", "+11.5"),
        ("touches per account", "3.25", "4", "-0.75"),
        ("policy", "v2", "—", "—"),
        ("escalations", "—", "12", "—"),
    ]


def test_one_chart_per_series_with_a_line_per_side_axes_ticks_and_legend() -> None:
    checker = parse(render_report(_data()))
    svgs = [a for t, a in checker.tags if t == "svg"]
    assert [a["id"] for a in svgs] == ["chart-0", "chart-1"]
    paths = [a for t, a in checker.tags if t == "path"]
    assert [p["class"] for p in paths] == ["line line-agent", "line line-baseline",
                                          "line line-agent"]  # fmt: skip
    first = paths[0]["d"] or ""
    assert first.startswith("M") and first.count("L") == 2
    axes = [a for t, a in checker.tags if t == "line" and a.get("class") == "axis"]
    assert len(axes) == 4
    page = render_report(_data())
    assert page.count('class="legend"') == 3
    assert ">80</text>" in page and ">0.6</text>" in page  # x and y ticks


def test_empty_or_missing_parts_render_without_failing() -> None:
    page = render_report({"title": "t", "subtitle": "", "kpis": {"agent": {}, "baseline": {}},
                          "series": {"s": {"agent": [], "baseline": []}}, "notes": []})  # fmt: skip
    assert "no data" in page
    assert "no series" in render_report({"title": "t"})
    flat = render_report(_data(series={"flat": {"agent": [[5, 2], [5, 2]]}}))
    assert parse(flat).errors == []
    assert "line-agent" in flat
