"""The benchmarks of DESIGN.md §9, by name. Each ``run(scale)`` returns a dict with at least
``figure``, ``unit``, ``target``, ``met``, ``baseline_seconds`` (a plain read of the same data),
``baseline`` (what that plain read is) and ``ratio_to_baseline`` (the benchmark's time over the
plain read's, so the figure can be compared on a noisy machine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import chat_bench, http_turns_bench, import_bench, nlu_bench, plan_bench, sim_bench


@dataclass(frozen=True)
class Benchmark:
    name: str
    target: str
    run: Callable[[float], dict[str, Any]]


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in (
        Benchmark("import_sqlite", "<= 60 s for 1,000,000 rows", import_bench.run_sqlite),
        Benchmark("import_postgres", "<= 30 s for 1,000,000 rows", import_bench.run_postgres),
        Benchmark("nlu_parse", "load < 2 s, p50 <= 2 ms, p99 <= 10 ms", nlu_bench.run),
        Benchmark("negotiation_turn", "p50 <= 5 ms, p99 <= 25 ms in-process", chat_bench.run),
        Benchmark("planning", plan_bench.TARGET, plan_bench.run),
        Benchmark("http_turns", http_turns_bench.TARGET, http_turns_bench.run),
        Benchmark("simulation", sim_bench.TARGET, sim_bench.run),
    )
}
