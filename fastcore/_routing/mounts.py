"""Starlette ``Mount``s among an app's routes, matched as Starlette's router matches them.

fastcore's router serves the planned routes; a request none of them takes may belong to a
mounted app (``app.mount("/{tenant}/static", StaticFiles(...))``). Those are matched by the
``Mount``'s own ``matches``, so its path parameters, convertors and ``root_path`` handling
are Starlette's, for HTTP and WebSocket requests alike.
"""

from __future__ import annotations

from typing import Any

__all__ = ["match_mount"]


def match_mount(mounts: list[Any], scope: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
    """The first ``Mount`` that takes ``scope`` and its child scope (``root_path`` extended
    by the matched prefix, path parameters merged in), as Starlette's router finds it; None
    when none does. ``Mount.matches`` reads the mount's own path parameters and convertors
    (``/{tenant}/static``), so a mount is matched exactly as Starlette would."""
    from starlette.routing import Match

    for mount in mounts:
        match, child = mount.matches(scope)
        if match is Match.FULL:
            return mount, child
    return None
