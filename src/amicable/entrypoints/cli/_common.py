"""Shared CLI plumbing: JSON output, the global options, and turning errors into exit codes.

Contract: every reporting command takes ``--json`` and then prints machine-readable JSON only
(one object, or one per line for ``--jsonl`` commands) on stdout. Human messages and errors go to
stderr. Exit codes: 0 success, 1 the command ran but refused something (invalid rows, a blocked
contact …), 2 bad usage or input that could not be processed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import typer
from rich.console import Console

from amicable.domain.errors import AmicableError

__all__ = ["CliState", "err_console", "fail", "handle_errors", "print_json", "state"]

err_console = Console(stderr=True)


@dataclass
class CliState:
    """Options given before the sub-command (``amicable --database-url URL …``)."""

    database_url: str | None = None


def state(ctx: typer.Context) -> CliState:
    """The root command's options, from any sub-command's context."""
    root = ctx.find_root()
    if isinstance(root.obj, CliState):
        return root.obj
    return CliState()


def _default(obj: object) -> Any:
    to_json: Callable[[], Any] | None = getattr(obj, "to_json", None)
    if to_json is not None:
        return to_json()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def print_json(obj: object) -> None:
    """Print one JSON document on stdout (and nothing else)."""
    sys.stdout.write(json.dumps(obj, default=_default, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error on stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn amicable's own exceptions into a clear message and exit code 2."""
    try:
        yield
    except AmicableError as exc:
        fail(str(exc))
