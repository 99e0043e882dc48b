"""The runner behind ``python -m bench [NAME …] [--json] [--scale F]``.

Without names every registered benchmark runs. ``--scale`` shrinks the data (``--scale 0.001`` is
the smoke run the test suite uses). Results are printed as one JSON document with ``--json``:
``{"machine": {…}, "load_average": [1, 5, 15 min], "results": [{"name", "figure", "unit",
"target", "met", "baseline_seconds", "baseline", "ratio_to_baseline", "peak_memory_mib",
"load_average", …}]}``; without it, one line per benchmark after the machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from typing import Any

from bench.registry import BENCHMARKS


def _machine() -> dict[str, Any]:
    mem_kib = 0
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
    }


def _load() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (the machine may be shared: quote them)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _child(name: str, scale: float, conn: Any) -> None:
    try:
        result = BENCHMARKS[name].run(scale)
        # a benchmark that ran processes of its own reports their memory with its own
        result.setdefault(
            "peak_memory_mib", round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        )
        conn.send(result)
    except BaseException as exc:  # report any failure as data, never hang the parent
        conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def run_one(name: str, scale: float) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    started = time.perf_counter()
    proc = ctx.Process(target=_child, args=(name, scale, child))
    proc.start()
    child.close()
    result: dict[str, Any]
    try:
        result = parent.recv() if parent.poll(3600) else {"error": "timed out"}
    except EOFError:  # the child died without reporting (killed, out of memory)
        result = {"error": "the benchmark process died"}
    proc.join()
    bench = BENCHMARKS[name]
    result.setdefault("target", bench.target)
    result["name"] = name
    result["scale"] = scale
    result["wall_seconds_total"] = round(time.perf_counter() - started, 3)
    result["load_average"] = _load()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default all): {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--scale", type=float, default=1.0, help="data size factor (default 1)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    names = args.names or list(BENCHMARKS)
    results = []
    for name in names:
        if not args.json:
            print(f"running {name} (scale {args.scale}) …", file=sys.stderr)
        results.append(run_one(name, args.scale))
    doc = {"machine": _machine(), "load_average": _load(), "results": results}
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print(f"machine {json.dumps(doc['machine'])}  load average {doc['load_average']}")
        for r in results:
            status = (
                "ERROR " + r["error"] if "error" in r else ("met" if r.get("met") else "MISSED")
            )
            print(
                f"{r['name']:<28} {r.get('figure', '-')!s:>14} {r.get('unit', ''):<10} "
                f"target {r['target']:<22} {status}  peak {r.get('peak_memory_mib', '-')} MiB  "
                f"plain read {r.get('baseline_seconds', '-')} s  ratio {r.get('ratio_to_baseline', '-')}"
            )
    return 1 if any("error" in r for r in results) else 0
