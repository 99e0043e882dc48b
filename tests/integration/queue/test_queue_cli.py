"""``amicable queue`` end to end on SQLite and PostgreSQL: list, show, assign, decline, modify
refused, take over and remind, each printing one JSON object.

Ledger::

    invoice INV-1  400.00 USD  due 2026-01-31   (customer C1)
    plan agreed 2026-03-01 (100 + 150 + 150), nothing paid -> broken on 2026-04-21
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from test_queue_items import broken_plan
from typer.testing import CliRunner

from amicable.bootstrap import App
from amicable.entrypoints.cli import app as cli


def run(database_url: str, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(cli, ["queue", *args, "--database-url", database_url, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 else result.output


def test_the_queue_cli_lists_shows_assigns_and_declines_an_item(
    app: App, database_url: str
) -> None:
    broken_plan(app)
    listed = run(database_url, "list")
    assert listed["count"] == 1
    (item,) = listed["items"]
    assert (item["kind"], item["source"], item["status"], item["account"]) == (
        "escalation", "plan", "open", "C1"
    )  # fmt: skip
    shown = run(database_url, "show", str(item["id"]))
    assert shown["item"]["id"] == item["id"] and shown["account"]["balances"] == {"USD": "400.00"}
    assert shown["suggested"]["action"] == "contact_and_renegotiate"
    assigned = run(database_url, "assign", str(item["id"]), "--to", "ana")
    assert (assigned["status"], assigned["assignee"]) == ("assigned", "ana")
    assert run(database_url, "list", "--mine", "--as", "ana")["count"] == 1
    assert run(database_url, "list", "--mine", "--as", "bob")["count"] == 0
    declined = run(database_url, "decline", str(item["id"]), "--reason", "paid elsewhere")
    assert declined["status"] == "declined" and declined["decision"]["reason"] == "paid elsewhere"
    assert run(database_url, "list")["count"] == 0
    assert run(database_url, "list", "--status", "declined")["count"] == 1
    # Deciding twice is refused with a clear message and exit code 2.
    again = run(database_url, "approve", str(item["id"]), code=2)
    assert "already declined" in again


def test_out_of_authority_terms_are_refused_and_bad_input_is_named(
    app: App, database_url: str
) -> None:
    broken_plan(app)
    (item,) = run(database_url, "list")["items"]
    ident = str(item["id"])
    far = {
        "kind": "full", "total": "400.00", "currency": "USD",
        "installments": [{"due_date": date(2027, 1, 1).isoformat(), "amount": "400.00"}],
    }  # fmt: skip
    out = run(database_url, "modify", ident, "--offer", json.dumps(far), "--role", "collector",
              code=2)  # fmt: skip
    assert "may not accept" in out
    assert "--offer is not JSON" in run(database_url, "modify", ident, "--offer", "{", code=2)
    assert "queue status must be one of" in run(database_url, "list", "--status", "x", code=2)
    assert run(database_url, "list")["items"][0]["status"] == "open"
    taken = run(database_url, "take-over", ident, "--as", "ana")
    assert (taken["status"], taken["assignee"]) == ("taken_over", "ana")
    # The CLI runs on the wall clock, long after the item's one-day SLA: reminded once.
    assert [i["id"] for i in run(database_url, "remind")["reminded"]] == [item["id"]]
    assert run(database_url, "remind")["reminded"] == []
    assert run(database_url, "list", "--overdue")["items"][0]["overdue"] is True
