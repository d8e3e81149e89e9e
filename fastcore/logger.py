"""``fastapi.logger``'s import path: the ``logger`` FastAPI code logs to.

It is the ``fastcore`` logger, the one fastcore's own messages go to, so configuring either
name's handlers configures what an app sees.
"""

from __future__ import annotations

import logging

__all__ = ["logger"]

logger = logging.getLogger("fastcore")
