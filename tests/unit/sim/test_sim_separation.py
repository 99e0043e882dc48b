"""The simulator and the agent are separated: the simulator imports only the agent's public entry
points (never ``strategy``, ``negotiation``, ``policy``, ``servicing`` or the database adapters),
and nothing in the agent imports the simulator. Checked on the import graph (grimp, which
import-linter ships), so a new import anywhere fails this test."""

from __future__ import annotations

import grimp

AGENT = ("domain", "policy", "compliance", "servicing", "negotiation", "strategy", "service",
         "adapters")  # fmt: skip
INTERNALS = ("amicable.strategy", "amicable.negotiation", "amicable.policy", "amicable.servicing",
             "amicable.adapters.db")  # fmt: skip


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("amicable")


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_simulator_imports_no_agent_internals() -> None:
    graph = _graph()
    sim = [m for m in graph.modules if _within(m, "amicable.sim")]
    assert "amicable.sim.world" in sim
    bad = sorted(
        (m, target)
        for m in sim
        for target in graph.find_modules_directly_imported_by(m)
        if any(_within(target, p) for p in INTERNALS)
    )
    assert bad == []


def test_the_agent_never_imports_the_simulator() -> None:
    graph = _graph()
    agent = [m for m in graph.modules if any(_within(m, f"amicable.{p}") for p in AGENT)]
    assert len(agent) > 50
    bad = sorted(
        (m, target)
        for m in agent
        for target in graph.find_modules_directly_imported_by(m)
        if _within(target, "amicable.sim")
    )
    assert bad == []
    for package in AGENT:
        assert not graph.chain_exists(f"amicable.{package}", "amicable.sim", as_packages=True)
