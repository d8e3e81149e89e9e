"""``fastapi.security.base``'s import path: ``SecurityBase``, the class every scheme extends.

Libraries subclass it for their own schemes or type a ``scheme`` attribute with it.
"""

from __future__ import annotations

from fastcore.security.utils import SecurityBase

__all__ = ["SecurityBase"]
