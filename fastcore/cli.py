"""``fastapi.cli``'s import path: ``main()`` runs the ``fastcore`` command line."""

from __future__ import annotations

__all__ = ["main"]


def main() -> None:
    """The ``fastcore`` command (``fastcore run main:app`` serves an app)."""
    from fastcore.server.cli import main as cli_main

    raise SystemExit(cli_main())
