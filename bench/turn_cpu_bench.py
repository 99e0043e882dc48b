"""CPU of one conversation turn through the service on PostgreSQL, without HTTP (a diagnostic of
``http_turns``; not a DESIGN.md §9 target of its own).

``http_turns`` reports the server's CPU a turn, web stack and thread contention included; this
splits off the service's share. The set-up is ``http_turns``' own (a sample portfolio imported
into organisation ``bench`` of a fresh database, the day planned, accounts the policy negotiates
with), then, in this one thread: ``start_conversation`` and the same debtor lines through
``handle_inbound``, each call timed with ``time.process_time`` (this process's CPU: Python,
SQLAlchemy and the driver; the database server's CPU is not counted). The first conversations
warm up (statement caches, the NLU model, the offer-space memo is per account so it does not
carry over). ``python -m bench.turn_cpu_bench [--conversations 100] [--database-url URL]`` prints
one JSON object: ``opening_cpu_ms`` and ``turn_cpu_ms`` (means), ``cpu_ms_per_benchmark_turn``
(a turn plus a fifth of an opening, as ``http_turns`` counts), ``statements_per_turn``
(SQLAlchemy's and those on the driver's cursor, ``amicable.adapters.db.driver``, of which
``driver_statements_per_turn``; the audit records and the COMMIT go in one more round trip),
the load average. The database (``amicable_bench_turn_cpu``) is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import psycopg

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "amicable_bench_turn_cpu"
WARM_UP = 5


def run(url: str = DEFAULT_URL, *, conversations: int = 100) -> dict[str, Any]:
    from sqlalchemy import event

    from amicable.adapters.db.driver import DriverStatement
    from amicable.bootstrap import bootstrap
    from amicable.service.conversations import (
        embedded_understanding,
        handle_inbound,
        start_conversation,
    )
    from bench.http_turns_bench import AS_OF, SCRIPT, _seed

    server = url.rsplit("/", 1)[0]
    admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    target = f"{server}/{DATABASE}"
    _, accounts = _seed(target, conversations + WARM_UP)
    app = bootstrap(target)
    embedded_understanding().warm_up()
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(app.engine, "before_cursor_execute", count)
    # The turn's usual statements run on the driver's cursor (``adapters.db.driver``), where
    # SQLAlchemy's events do not see them: counted here, separately.
    driver = [0]
    run_on_driver = DriverStatement._run

    def counted(self: DriverStatement, conn: Any, params: Any) -> Any:
        driver[0] += 1
        return run_on_driver(self, conn, params)

    DriverStatement._run = counted  # type: ignore[method-assign]
    opening = turn = 0.0
    openings = turns = turn_statements = turn_driver = 0
    try:
        for n, (ref, postal) in enumerate(accounts[: conversations + WARM_UP]):
            timed = n >= WARM_UP
            started = time.process_time()
            start_conversation(app.uow("bench"), ref, "chat", today=AS_OF, lang="en")
            if timed:
                opening += time.process_time() - started
                openings += 1
            for text in (postal, *SCRIPT):
                before = statements[0] + driver[0]
                before_driver = driver[0]
                started = time.process_time()
                handle_inbound(app.uow("bench"), ref, "chat", text, today=AS_OF)
                if timed:
                    turn += time.process_time() - started
                    turns += 1
                    turn_statements += statements[0] + driver[0] - before
                    turn_driver += driver[0] - before_driver
    finally:
        DriverStatement._run = run_on_driver  # type: ignore[method-assign]
        event.remove(app.engine, "before_cursor_execute", count)
        app.close()
    per_opening = 1000 * opening / max(openings, 1)
    per_turn = 1000 * turn / max(turns, 1)
    return {
        "conversations": openings,
        "turns": turns,
        "opening_cpu_ms": round(per_opening, 3),
        "turn_cpu_ms": round(per_turn, 3),
        "cpu_ms_per_benchmark_turn": round(per_turn + per_opening * openings / max(turns, 1), 3),
        "statements_per_turn": round(turn_statements / max(turns, 1), 2),
        "driver_statements_per_turn": round(turn_driver / max(turns, 1), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    print(json.dumps(run(args.database_url, conversations=args.conversations)))


if __name__ == "__main__":
    main()
