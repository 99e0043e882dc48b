"""``amicable chat ACCOUNT --jsonl`` end to end, on a sample portfolio imported into the test
database (SQLite or PostgreSQL, ``--db``): the JSON-lines contract, what is persisted, a stop
request, a French conversation, a malformed line, and a phrasing model behind the guardrails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from amicable.adapters.db.tables_conversations import (
    conversation_messages,
    conversation_promises,
    conversations,
)
from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App
from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli import app as cli
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.policies import check_offer, offers_for
from amicable.service.queries import accounts_list, show_account
from amicable.sim.sample import generate_sample
from fakes.fake_openai_server import FakeOpenAIServer

TODAY = "2026-03-01"
LINE_KEYS = {"reply", "state", "intents", "offer", "agreement", "escalation", "ended"}


@pytest.fixture
def portfolio(app: App, tmp_path: Path) -> App:
    """A 60-account sample portfolio as of 2026-03-01, imported."""
    from datetime import date

    generate_sample(tmp_path, accounts=60, seed=19, as_of=date.fromisoformat(TODAY))
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
    return app


def negotiable(app: App, lang: str) -> Iterator[tuple[str, str]]:
    """``(account, postal code)`` of accounts in ``lang`` that the policy negotiates with and
    offers at least one term the agent may give without a person's approval."""
    from datetime import date

    day = date.fromisoformat(TODAY)
    for row in accounts_list(app.uow(), day):
        if not row.balances:
            continue
        ref = row.customer.external_id
        view = show_account(app.uow(), ref, day)
        if view.customer["language"] != lang or not view.customer["postal_code"]:
            continue
        try:
            doc = offers_for(app.uow(), ref, day)
        except InvalidInput:  # e.g. a region the holiday data does not know
            continue
        if (
            isinstance(doc, dict)
            and doc["action"] == "negotiate"
            and any(not step["requires_approval"] for step in doc["ladder"])
        ):
            yield ref, str(view.customer["postal_code"])


def chat(
    url: str, account: str, lines: list[Any], *extra: str, env: dict[str, str] | None = None
) -> tuple[int, list[dict[str, Any]], str]:
    stdin = "".join((x if isinstance(x, str) else json.dumps({"text": x[0]})) + "\n" for x in lines)
    result = CliRunner().invoke(
        cli,
        ["chat", account, "--today", TODAY, "--jsonl", "--database-url", url, *extra],
        input=stdin,
        env=env,
    )
    out = [json.loads(ln) for ln in result.stdout.splitlines() if ln.strip()]
    return result.exit_code, out, result.stderr


def say(*texts: str) -> list[Any]:
    return [(t,) for t in texts]


def rows(app: App, table: Any) -> list[Any]:
    with app.uow() as uow:
        return list(uow.connection.execute(select(table)).all())


def test_accepting_the_first_offer_records_an_agreement_the_policy_gate_accepts(
    portfolio: App, database_url: str
) -> None:
    account, postal = next(negotiable(portfolio, "en"))
    code, out, err = chat(database_url, account, say(postal, "yes", "yes I confirm"))
    assert code == 0, err
    assert len(out) == 4  # the opening, then one line per input line
    assert all(set(line) == LINE_KEYS for line in out)
    opening, presented, confirming, agreed = out
    assert opening["state"] == "verifying" and opening["offer"] is None
    assert postal not in opening["reply"]
    assert presented["state"] == "negotiating" and presented["offer"] is not None
    assert confirming["state"] == "confirming" and "Total" in confirming["reply"]
    assert agreed["state"] == "agreed" and agreed["ended"] is True
    assert agreed["agreement"] == presented["offer"]
    # The agreement is an offer the stored policy's gate accepts, as any client can check.
    from datetime import date

    offer = {k: v for k, v in agreed["agreement"].items() if k != "requires_approval"}
    verdict = check_offer(portfolio.uow(), account, offer, date.fromisoformat(TODAY))
    assert isinstance(verdict, dict) and verdict["outcome"] == "ok", verdict
    # Persisted as through any other channel.
    (conv,) = rows(portfolio, conversations)
    assert (conv.channel, conv.state, conv.version) == ("sms", "agreed", 4)
    messages = rows(portfolio, conversation_messages)
    assert [m.direction for m in messages] == ["out", "in", "out", "in", "out", "in", "out"]
    assert [m.text for m in messages if m.direction == "in"] == [postal, "yes", "yes I confirm"]
    assert all(m.content_ok for m in messages)
    with portfolio.uow() as uow:
        counts = uow.conversations.counts(conv.id)
    assert counts["conversation_agreements"] == 1
    assert counts["conversation_promises"] == 1
    assert counts["conversation_offers"] >= 1
    (promise,) = rows(portfolio, conversation_promises)
    assert promise.confirmed and promise.channel == "sms"
    assert json.loads(promise.payments_json) == [
        {"due_date": i["due_date"], "amount": i["amount"]}
        for i in agreed["agreement"]["installments"]
    ]
    assert promise.failed_payment_rule and promise.consequence


def test_stop_texting_me_ceases_the_conversation_and_nothing_more_is_said(
    portfolio: App, database_url: str
) -> None:
    account, postal = next(negotiable(portfolio, "en"))
    code, out, err = chat(
        database_url, account, say(postal, "stop texting me", "hello?", "I can pay 100 now")
    )
    assert code == 0, err
    assert len(out) == 5
    assert out[2]["state"] == "ceased" and out[2]["reply"] is None and out[2]["ended"]
    assert all(line["reply"] is None and line["state"] == "ceased" for line in out[2:])
    assert all(line["offer"] is None for line in out[2:])
    (conv,) = rows(portfolio, conversations)
    assert conv.state == "ceased"
    sent_after = [m.text for m in rows(portfolio, conversation_messages) if m.direction == "out"][
        2:
    ]
    assert sent_after == [None, None, None]


def test_an_inbound_conversation_prints_nothing_before_the_debtors_first_line(
    portfolio: App, database_url: str
) -> None:
    account, postal = next(negotiable(portfolio, "en"))
    code, out, err = chat(
        database_url, account, say("hi, what is this about?", postal), "--inbound"
    )
    assert code == 0, err
    assert len(out) == 2
    assert out[0]["state"] == "verifying" and "postal code" in out[0]["reply"]
    assert out[1]["state"] == "negotiating" and out[1]["offer"] is not None, out[1]["escalation"]


@pytest.mark.parametrize(
    ("lang", "lines", "words"),
    [
        (
            "fr",
            ("oui", "oui, je confirme"),
            ("Bonjour", "Répondez STOP", "Pour confirmer", "votre accord est enregistré"),
        ),
        (
            "es",
            ("sí", "sí, confirmo"),
            ("Hola", "Responda STOP", "Para confirmar", "su acuerdo ha quedado registrado"),
        ),
    ],
)
def test_a_conversation_in_the_accounts_language_is_held_in_it_and_agreed(
    portfolio: App, database_url: str, lang: str, lines: tuple[str, str], words: tuple[str, ...]
) -> None:
    account, postal = next(negotiable(portfolio, lang))
    code, out, err = chat(database_url, account, say(postal, *lines), "--channel", "whatsapp")
    assert code == 0, err
    hello, stop, confirm, agreed = words
    assert out[0]["reply"].startswith(hello)
    assert all(stop in line["reply"] for line in out)
    assert out[1]["offer"] is not None
    assert out[2]["state"] == "confirming" and confirm in out[2]["reply"]
    assert out[3]["state"] == "agreed" and out[3]["agreement"] is not None
    assert agreed in out[3]["reply"]
    (conv,) = rows(portfolio, conversations)
    assert (conv.lang, conv.channel) == (lang, "whatsapp")


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("not json", "is not JSON"),
        ('{"txt": "yes"}', 'exactly one key "text"'),
        ('{"text": 12}', '"text" must be a string'),
        ('["yes"]', 'exactly one key "text"'),
        ('{"text": "  "}', '"text" is empty'),
    ],
)
def test_a_malformed_line_stops_with_its_line_number_and_persists_nothing_for_it(
    portfolio: App, database_url: str, bad: str, why: str
) -> None:
    account, postal = next(negotiable(portfolio, "en"))
    code, out, err = chat(database_url, account, [(postal,), bad, ("yes",)])
    assert code == 2
    assert "input line 2" in err and why in err
    assert len(out) == 2  # the opening and the answer to line 1, nothing after
    texts = [m.text for m in rows(portfolio, conversation_messages) if m.direction == "in"]
    assert texts == [postal]


def test_an_unknown_account_or_channel_is_a_clear_error(database_url: str, app: App) -> None:
    code, out, err = chat(database_url, "NOPE", say("hi"))
    assert code == 2 and out == [] and "no account 'NOPE'" in err
    code, out, err = chat(database_url, "NOPE", say("hi"), "--channel", "pigeon")
    assert code == 2 and "--channel" in err


@pytest.mark.parametrize("behaved", [True, False])
def test_a_phrasing_model_rewords_only_under_the_guardrails(
    portfolio: App, database_url: str, behaved: bool
) -> None:
    """A well-behaved fake model's wording is sent; one that rewrites the offer (other amounts,
    a discount) is replaced by the template; the record says which text was sent."""
    account, postal = next(negotiable(portfolio, "en"))

    def model(messages: list[dict[str, Any]]) -> str:
        text = str(json.loads(messages[-1]["content"])["text"])
        if behaved:
            return "Good news! " + text
        return text.replace("$", "$1") + " Or take 50% off if you pay today."

    with FakeOpenAIServer(api_key="k-123") as server:
        server.script(model)
        code, out, err = chat(
            database_url, account, say(postal),
            "--llm-base-url", server.base_url, "--llm-model", "fake", "--channel", "chat",
            env={"AMICABLE_LLM_API_KEY": "k-123"},
        )  # fmt: skip
        asked = len(server.requests)
    assert code == 0, err
    assert asked == 1  # the opening has no free part; the presentation has one
    presented = out[1]
    assert presented["offer"] is not None
    assert presented["reply"].endswith("Reply STOP to opt out.")
    sources = [m.source for m in rows(portfolio, conversation_messages) if m.direction == "out"]
    if behaved:
        assert "Good news! " in presented["reply"]
        assert sources == ["template", "model"]
    else:
        assert "50%" not in presented["reply"] and "$1" + "," not in presented["reply"]
        assert sources == ["template", "model_refused"]


def test_without_jsonl_a_person_can_chat_in_the_terminal(portfolio: App, database_url: str) -> None:
    account, postal = next(negotiable(portfolio, "en"))
    result = CliRunner().invoke(
        cli,
        ["chat", account, "--today", TODAY, "--database-url", database_url],
        input=f"{postal}\n\n/quit\n",
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "agent Hello, this is Amicable Billing" in out
    assert "state=verifying" in out and "state=negotiating" in out and "offer=" in out
    texts = [m.text for m in rows(portfolio, conversation_messages) if m.direction == "in"]
    assert texts == [postal]  # the blank line is skipped, /quit leaves
