"""The audit trail after a realistic run: it verifies, and any single record edited, deleted or
swapped with another is detected and named — through the service, the API and the CLI.

The realistic run: imports, a user, a policy version, a webhook, a note and a token; a chat
conversation through the API (verification, offer, agreement or escalation); a promise to pay;
the agent loop over the portfolio for three simulated days (contacts sent and blocked, with their
compliance decisions); payments through the API (one keeps the promise), a refund and a
chargeback; a decision on a human-queue item."""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.db.tables_audit import audit_records
from amicable.domain.clock import SimulatedClock
from amicable.domain.money import Money
from amicable.entrypoints.cli import app as cli
from amicable.policy.load import default_policy_text
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.service import audit, writeback
from amicable.service.payments import create_plan_from_agreement, record_promise
from amicable.service.runtime import run_days
from amicable.servicing.plans import ServicingRules
from conftest import ApiWorld

CONTENT = ("seq", "kind", "subject", "actor", "payload", "at", "prev_hash", "hash")


def realistic_run(world: ApiWorld, sample: Path) -> None:
    h = world.headers()
    c = world.client
    for kind in ("customers", "invoices", "payments"):
        with (sample / f"{kind}.csv").open("rb") as fh:
            r = c.post(f"/v1/imports/{kind}", files={"file": (f"{kind}.csv", fh)}, headers=h)
            assert r.json()["written"]
    c.post("/v1/users", json={"email": "ana@acme.example", "role": "collector"}, headers=h)
    c.post("/v1/policy/versions", json={"yaml": default_policy_text()}, headers=h)
    c.post("/v1/webhooks", json={"url": "https://erp.example/h"}, headers=h)
    ref = c.get("/v1/accounts", headers=h).json()["data"][0]["external_id"]
    c.post(f"/v1/accounts/{ref}/notes", json={"body": "promised Friday"}, headers=h)
    spare = c.post("/v1/tokens", json={"role": "viewer"}, headers=h).json()
    c.delete(f"/v1/tokens/{spare['id']}", headers=h)
    owing = [a for a in c.get("/v1/accounts", headers=h).json()["data"] if a["balances"]]
    talker, promiser, payer, planner = (a["external_id"] for a in owing[:4])
    code = next(iter(owing[1]["balances"]))
    # A chat conversation: identity, then accepting what is offered.
    base = f"/v1/accounts/{talker}/conversations"
    assert c.post(base, json={}, headers=h).status_code == 201
    postal = c.get(f"/v1/accounts/{talker}", headers=h).json()["customer"]["postal_code"]
    for text in (str(postal), "yes", "yes"):
        assert c.post(f"{base}/messages", json={"text": text}, headers=h).status_code == 200
    # A promise to pay 50 on 2 March, then three days of the agent loop.
    clock = world.app.clock
    assert isinstance(clock, SimulatedClock)
    record_promise(world.app.uow("acme"), promiser, [(date(2026, 3, 2), Money.of("50.00", code))],
                   channel="phone", made_on=date(2026, 3, 1), confirmed=True)  # fmt: skip
    # and one not kept by its date (without grace: it breaks in the loop's days below)
    its_code = next(iter(owing[2]["balances"]))
    record_promise(world.app.uow("acme"), payer, [(date(2026, 3, 2), Money.of("25.00", its_code))],
                   channel="sms", made_on=date(2026, 3, 1), grace_days=0)  # fmt: skip
    parts = (Payment(date(2026, 3, 2), Money.of("20.00", code)),
             Payment(date(2026, 3, 16), Money.of("20.00", code)))  # fmt: skip
    plan = Offer(OfferKind.PLAN, Money.of("40.00", code), parts, Money.of("0.00", code),
                 down_payment=parts[0].amount)  # fmt: skip
    plan_key = create_plan_from_agreement(
        world.app.uow("acme"), planner, plan, agreed_on=date(2026, 3, 1), rules=ServicingRules()
    ).plan.id
    report = run_days(
        lambda: world.app.uow("acme"), clock, start=date(2026, 3, 2), until=date(2026, 3, 4),
        sender=RecordingOutboxSender(clock=clock),
    )  # fmt: skip
    assert report.errors == 0 and sum(report.sent.values()) > 0
    # Payments: one keeps the promise; a refund and a chargeback.
    for ref, reference, amount, on in ((promiser, "PAY-KEEP", "50.00", "2026-03-02"),
                                       (payer, "PAY-BACK", "30.00", "2026-03-03")):  # fmt: skip
        body = {"reference": reference, "amount": amount, "currency": code, "received_on": on}
        assert c.post(f"/v1/accounts/{ref}/payments", json=body, headers=h).status_code == 201
    r = c.post("/v1/payments/PAY-BACK/refunds", json={"amount": "10.00", "key": "re_1"}, headers=h)
    assert r.status_code == 200, r.text
    r = c.post("/v1/payments/PAY-BACK/refunds", json={"chargeback": True, "key": "dp_1"}, headers=h)
    assert r.status_code == 200, r.text
    # A person decides one item of the human queue.
    items = c.get("/v1/queue", headers=h).json()["items"]
    assert items, "the run opened no queue item"
    decided = c.post(f"/v1/queue/{items[0]['id']}/decline", json={"reason": "not now"}, headers=h)
    assert decided.status_code == 200, decided.text
    # A person cancels the plan (agreed in error).
    body = {"reason": "agreed in error", "on": "2026-03-04"}
    r = c.post(f"/v1/plans/{plan_key}/cancellation", json=body, headers=h)
    assert r.status_code == 200, r.text


def rows(world: ApiWorld, org_id: int) -> list[dict[str, Any]]:
    with world.app.engine.connect() as conn:
        found = conn.execute(
            select(audit_records)
            .where(audit_records.c.org_id == org_id)
            .order_by(audit_records.c.id)
        )
        return [dict(r._mapping) for r in found]


def acme_id(world: ApiWorld) -> int:
    return dict((n, i) for i, n in world.app.list_orgs())["acme"]


def check(world: ApiWorld) -> audit.AuditVerification:
    return audit.verify(world.app.uow("acme"))


@pytest.fixture
def run(world: ApiWorld, sample_files: Path) -> list[dict[str, Any]]:
    realistic_run(world, sample_files)
    result = check(world)
    assert result.ok, result.problems
    return rows(world, acme_id(world))


def test_a_realistic_run_leaves_an_intact_chain_covering_what_happened(
    world: ApiWorld, run: list[dict[str, Any]]
) -> None:
    kinds = [r["kind"] for r in run]
    for kind in ("token.created", "import.completed", "user.created", "policy.applied",
                 "webhook.subscribed", "note.added", "token.revoked", "message.sent",
                 "message.received", "promise.made", "promise.kept", "payment.posted",
                 "payment.reversed", "escalation.opened", "queue.declined", "offer.made",
                 "plan.created", "plan.events", "promise.broken", "contact.planned",
                 "contact.sent", "contact.blocked", "plan.cancelled"):  # fmt: skip
        assert kind in kinds, f"no {kind} record in {sorted(set(kinds))}"
    assert [r["seq"] for r in run] == list(range(1, len(run) + 1))
    assert world.client.get("/v1/audit/verify", headers=world.headers()).json()["ok"] is True


def test_the_events_csv_lists_every_kind_of_outcome_of_the_run(
    world: ApiWorld, run: list[dict[str, Any]]
) -> None:
    r = world.client.get("/v1/events", params={"format": "csv"}, headers=world.headers())
    assert r.status_code == 200, r.text
    lines = list(csv.reader(io.StringIO(r.text)))
    assert lines[0] == ["event_id", "kind", "created_at", "payload"]
    kinds = {row[1] for row in lines[1:]}
    assert kinds == set(writeback.EVENT_KINDS), set(writeback.EVENT_KINDS) ^ kinds
    assert len({row[0] for row in lines[1:]}) == len(lines) - 1  # one idempotency key each
    for row in lines[1:]:
        assert json.loads(row[3])["account"], row


def test_editing_any_single_record_is_detected_and_named(
    world: ApiWorld, run: list[dict[str, Any]]
) -> None:
    for original in run:
        for column, value in (("payload", '{"forged":true}'), ("actor", "someone-else")):
            with world.app.engine.begin() as conn:
                conn.execute(
                    update(audit_records)
                    .where(audit_records.c.id == original["id"])
                    .values({column: value})
                )
            result = check(world)
            assert not result.ok
            assert ("edited", original["seq"]) in {(p.code, p.seq) for p in result.problems}
            with world.app.engine.begin() as conn:
                conn.execute(
                    update(audit_records)
                    .where(audit_records.c.id == original["id"])
                    .values({column: original[column]})
                )
    assert check(world).ok


def test_deleting_any_single_record_is_detected(world: ApiWorld, run: list[dict[str, Any]]) -> None:
    for original in run:
        with world.app.engine.begin() as conn:
            conn.execute(delete(audit_records).where(audit_records.c.id == original["id"]))
        result = check(world)
        assert not result.ok, f"deleting record {original['seq']} went unnoticed"
        codes = {p.code for p in result.problems}
        if original["seq"] == len(run):
            assert codes == {"head_mismatch"}
        else:
            assert {"out_of_order", "broken_link"} <= codes
        with world.app.engine.begin() as conn:
            conn.execute(insert(audit_records).values(original))
    assert check(world).ok


def test_swapping_any_two_neighbouring_records_is_detected(
    world: ApiWorld, run: list[dict[str, Any]]
) -> None:
    def put(conn: Any, row_id: int, source: dict[str, Any]) -> None:
        conn.execute(
            update(audit_records)
            .where(audit_records.c.id == row_id)
            .values({k: source[k] for k in CONTENT})
        )

    for a, b in itertools.pairwise(run):
        with world.app.engine.begin() as conn:
            # seq is unique per organisation: park one record out of the way while swapping.
            conn.execute(update(audit_records).where(audit_records.c.id == a["id"]).values(seq=-1))
            put(conn, b["id"], a)
            put(conn, a["id"], b)
        result = check(world)
        assert not result.ok, f"swapping records {a['seq']} and {b['seq']} went unnoticed"
        assert {p.seq for p in result.problems} & {a["seq"], b["seq"]}
        with world.app.engine.begin() as conn:
            conn.execute(update(audit_records).where(audit_records.c.id == a["id"]).values(seq=-1))
            put(conn, b["id"], b)
            put(conn, a["id"], a)
    assert check(world).ok


def test_swapping_two_payloads_is_detected_on_both_records(
    world: ApiWorld, run: list[dict[str, Any]]
) -> None:
    a, b = run[2], run[5]
    with world.app.engine.begin() as conn:
        for target, source in ((a, b), (b, a)):
            conn.execute(
                update(audit_records)
                .where(audit_records.c.id == target["id"])
                .values(payload=source["payload"])
            )
    problems = {(p.code, p.seq) for p in check(world).problems}
    assert {("edited", a["seq"]), ("edited", b["seq"])} <= problems


def test_the_cli_verifies_and_exports_the_chain(
    world: ApiWorld, run: list[dict[str, Any]], database_url: str
) -> None:
    runner = CliRunner()
    base = ["audit", "verify", "--org", "acme", "--json", "--database-url", database_url]
    ok = runner.invoke(cli, base)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["records"] == len(run)
    with world.app.engine.begin() as conn:
        conn.execute(
            update(audit_records).where(audit_records.c.id == run[1]["id"]).values(kind="x")
        )
    broken = runner.invoke(cli, base)
    assert broken.exit_code == 1
    problems = json.loads(broken.stdout)["problems"]
    assert problems[0]["code"] == "edited" and problems[0]["seq"] == 2
    first, last = run[0]["at"].date().isoformat(), run[-1]["at"].date().isoformat()
    exported = runner.invoke(
        cli,
        ["audit", "export", "--org", "acme", "--from", first, "--to", last, "--format", "csv",
         "--database-url", database_url],
    )  # fmt: skip
    assert exported.exit_code == 0
    assert len(exported.stdout.strip().splitlines()) == len(run) + 1
    only_first = runner.invoke(
        cli,
        ["audit", "export", "--org", "acme", "--from", first, "--to", first, "--format", "csv",
         "--database-url", database_url],
    )  # fmt: skip
    on_first = sum(1 for r in run if r["at"].date().isoformat() == first)
    assert len(only_first.stdout.strip().splitlines()) == on_first + 1 < len(run) + 1
