"""Offers and chat conversations over HTTP, on a sample portfolio: the offers document is the
CLI's, the gate judges a proposed offer, and a conversation is the ``chat --jsonl`` contract
turn by turn, persisted and read back in order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from amicable.service.policies import offers_for
from conftest import ApiWorld

TODAY = "2026-03-01"
TURN_KEYS = {"reply", "state", "intents", "offer", "agreement", "escalation", "ended"}


@pytest.fixture
def portfolio(world: ApiWorld, sample_files: Path) -> ApiWorld:
    for kind in ("customers", "invoices", "payments"):
        with (sample_files / f"{kind}.csv").open("rb") as fh:
            r = world.client.post(f"/v1/imports/{kind}", files={"file": (f"{kind}.csv", fh)},
                                  headers=world.headers("collector"))  # fmt: skip
        assert r.status_code == 200 and r.json()["written"], r.text
    return world


def get(world: ApiWorld, url: str, role: str = "viewer", **params: str) -> Any:
    r = world.client.get(url, params=params, headers=world.headers(role))
    assert r.status_code == 200, r.text
    return r.json()


def negotiable(world: ApiWorld) -> tuple[str, str, dict[str, Any]]:
    """An English account the policy negotiates with, with a postal code on file, its code and
    its offers document."""
    for row in get(world, "/v1/accounts", as_of=TODAY)["data"]:
        ref = row["external_id"]
        customer = get(world, f"/v1/accounts/{ref}", as_of=TODAY)["customer"]
        if customer.get("language") != "en" or not customer.get("postal_code"):
            continue
        r = world.client.get(f"/v1/accounts/{ref}/offers", params={"as_of": TODAY},
                             headers=world.headers("viewer"))  # fmt: skip
        doc = r.json()
        if r.status_code == 200 and doc.get("action") == "negotiate" and doc["ladder"]:
            return ref, str(customer["postal_code"]), doc
    raise AssertionError("the sample portfolio has no negotiable English account")


def test_the_offers_document_is_the_one_the_cli_prints(portfolio: ApiWorld) -> None:
    ref, _code, doc = negotiable(portfolio)
    assert doc == offers_for(portfolio.app.uow("acme"), ref, date.fromisoformat(TODAY))
    assert isinstance(doc["bounds"]["balance"], str)
    assert doc["recommended"] is None or isinstance(doc["recommended"]["total"], str)


def test_the_gate_passes_the_recommended_offer_and_refuses_an_excessive_discount(
    portfolio: ApiWorld,
) -> None:
    ref, _code, doc = negotiable(portfolio)
    url = f"/v1/accounts/{ref}/offers/check"
    h = portfolio.headers("collector")
    step = {k: v for k, v in doc["ladder"][0].items() if k not in ("requires_approval",)}
    ok = portfolio.client.post(url, params={"as_of": TODAY}, json=step, headers=h)
    assert ok.status_code == 200, ok.text
    assert ok.json()["outcome"] in ("ok", "needs_approval")
    balance = doc["bounds"]["balance"]
    cheap = {"kind": "settlement", "total": "1.00", "currency": doc["bounds"]["currency"],
             "discount": str(Decimal(balance) - 1), "installments": [
                 {"due_date": "2026-03-05", "amount": "1.00"}]}  # fmt: skip
    refused = portfolio.client.post(url, params={"as_of": TODAY}, json=cheap, headers=h)
    assert refused.status_code == 200, refused.text
    assert refused.json()["outcome"] == "refused"
    assert refused.json()["violations"]


def test_an_offer_with_a_json_number_for_money_is_refused(portfolio: ApiWorld) -> None:
    ref, _code, _doc = negotiable(portfolio)
    bad = {"kind": "full", "total": 100, "installments": []}
    r = portfolio.client.post(f"/v1/accounts/{ref}/offers/check", json=bad,
                              headers=portfolio.headers("collector"))  # fmt: skip
    assert r.status_code == 422
    assert "total" in r.json()["detail"]


def test_an_account_that_owes_nothing_has_no_offers(world: ApiWorld) -> None:
    csv = ("customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,"
           "open_amount\nC0,Paid Up Ltd,P-1,2026-01-01,2026-01-31,USD,10.00,0.00\n")  # fmt: skip
    r = world.client.post("/v1/imports/invoices", files={"file": ("p.csv", csv.encode())},
                          headers=world.headers())  # fmt: skip
    assert r.status_code == 200, r.text
    doc = get(world, "/v1/accounts/C0/offers", as_of=TODAY)
    assert doc == {"account": "C0", "as_of": TODAY, "message": "nothing is owed on this account"}
    assert (
        world.client.get("/v1/accounts/NOBODY/offers", headers=world.headers()).status_code == 404
    )


def test_a_chat_conversation_is_the_jsonl_contract_persisted_in_order(
    portfolio: ApiWorld,
) -> None:
    ref, code, _doc = negotiable(portfolio)
    h = portfolio.headers("collector")
    base = f"/v1/accounts/{ref}/conversations"
    assert get(portfolio, base)["conversation"] is None
    opening = portfolio.client.post(base, params={"as_of": TODAY}, json={}, headers=h)
    assert opening.status_code == 201, opening.text
    first = opening.json()
    assert set(first) == TURN_KEYS and first["reply"] and not first["ended"]
    answer = portfolio.client.post(f"{base}/messages", params={"as_of": TODAY},
                                   json={"text": code}, headers=h)  # fmt: skip
    assert answer.status_code == 200, answer.text
    turn = answer.json()
    assert set(turn) == TURN_KEYS and turn["reply"]
    assert turn["state"] != first["state"]  # the identity answer moved the conversation on
    read = get(portfolio, base, role="compliance_auditor")
    conv = read["conversation"]
    assert (read["account"], conv["channel"]) == (ref, "chat")
    messages = conv["messages"]
    assert [m["direction"] for m in messages] == ["out", "in", "out"]
    assert [m["seq"] for m in messages] == [1, 2, 3]
    assert messages[0]["text"] == first["reply"] and messages[2]["text"] == turn["reply"]
    assert messages[1]["text"] == code
    assert all(m["at"].endswith("Z") for m in messages)


def test_a_message_needs_text_and_a_viewer_may_not_talk(portfolio: ApiWorld) -> None:
    ref, _code, _doc = negotiable(portfolio)
    url = f"/v1/accounts/{ref}/conversations/messages"
    for body in ({}, {"text": ""}, {"text": 5}, {"text": "hi", "extra": 1}):
        r = portfolio.client.post(url, json=body, headers=portfolio.headers("collector"))
        assert r.status_code == 422, body
    r = portfolio.client.post(url, json={"text": "hi"}, headers=portfolio.headers("viewer"))
    assert r.status_code == 403
    assert get(portfolio, f"/v1/accounts/{ref}/conversations")["conversation"] is None


def test_the_risk_backtest_answers_the_cli_document(portfolio: ApiWorld) -> None:
    doc = get(portfolio, "/v1/risk/backtest", role="compliance_auditor",
              split_date="2026-01-01", as_of=TODAY)  # fmt: skip
    assert set(doc) >= {"n", "auc", "brier", "calibration", "baseline_auc"}
    r = portfolio.client.get("/v1/risk/backtest", params={"split_date": "2026-04-01",
                             "as_of": TODAY}, headers=portfolio.headers())  # fmt: skip
    assert r.status_code == 422
