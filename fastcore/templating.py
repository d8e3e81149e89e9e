"""``fastapi.templating``: Starlette's Jinja2Templates (needs ``jinja2``)."""

from __future__ import annotations

from starlette.templating import Jinja2Templates

__all__ = ["Jinja2Templates"]
