"""The audit chain's throughput on PostgreSQL: committed transactions a second when many threads
of one process append to one organisation's chain at once (a diagnostic of ``http_turns``, whose
turns all append to it; not a DESIGN.md §9 target of its own).

Every transaction appends three records and commits; they all wait on the chain's head lock, so
the figure is about one over how long a commit holds it. ``python -m bench.audit_chain_bench
[--threads 16] [--seconds 5] [--database-url URL]`` prints one JSON object: ``commits_per_second``,
``cpu_ms_per_commit`` (this process), ``verify_ok`` (the chain checked afterwards), the load
average. The database (``amicable_bench_audit`` on the server of ``--database-url``, default
127.0.0.1:5432) is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from typing import Any

import psycopg

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "amicable_bench_audit"


def run(url: str = DEFAULT_URL, *, threads: int = 16, seconds: float = 5.0) -> dict[str, Any]:
    from amicable.adapters.db.engine import PoolOptions
    from amicable.bootstrap import bootstrap
    from amicable.service import audit

    server = url.rsplit("/", 1)[0]
    admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    app = bootstrap(f"{server}/{DATABASE}",
                    pool=PoolOptions(size=threads + 2, max_overflow=2, recycle_seconds=1800))  # fmt: skip
    app.init()
    commits = [0]
    stop = threading.Event()
    lock = threading.Lock()

    def work(worker: int) -> None:
        n = 0
        while not stop.is_set():
            with app.uow() as uow:
                for k in range(3):
                    audit.record(uow, "bench.event", f"account:W{worker}-{n}", {"k": k})
                uow.commit()
            n += 1
        with lock:
            commits[0] += n

    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    started, cpu = time.perf_counter(), time.process_time()
    for t in pool:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    result = audit.verify(app.uow())
    app.close()
    return {
        "threads": threads,
        "seconds": round(elapsed, 2),
        "commits": commits[0],
        "commits_per_second": round(commits[0] / elapsed, 1),
        "cpu_ms_per_commit": round(1000 * cpu / max(commits[0], 1), 3),
        "verify_ok": result.ok and result.records == 3 * commits[0],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    print(json.dumps(run(args.database_url, threads=args.threads, seconds=args.seconds)))


if __name__ == "__main__":
    main()
