"""CLI commands of the ledger area (owned by the ledger work; see the module's register())."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
