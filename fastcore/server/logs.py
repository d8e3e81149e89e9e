"""Logging for the server: stderr by default, or the user's ``--log-config`` file, as uvicorn.

Two loggers: ``fastcore`` (start-up, errors, ``fastcore.server``) and ``fastcore.access`` (one
line per request with ``--access-log``). A ``--log-config`` file replaces these defaults
entirely: a ``.json`` or ``.yaml``/``.yml`` file is a ``logging.config.dictConfig`` dict, any
other file is ``logging.config.fileConfig`` INI.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from fastcore.server.config import ServerConfig
from fastcore.server.sockets import ServerStartupError

__all__ = ["configure_logging", "load_log_config"]

_configured = False


def load_log_config(path: str) -> None:
    """Apply a logging configuration file; ServerStartupError with the reason when it fails."""
    import json
    import logging.config  # NOTE: here, not at the top: most runs have no config file

    if not os.path.isfile(path):
        raise ServerStartupError(f"cannot read {path} (--log-config): no such file")
    try:
        if path.endswith(".json"):
            with open(path) as f:
                logging.config.dictConfig(json.load(f))
        elif path.endswith((".yaml", ".yml")):
            logging.config.dictConfig(_yaml(path))
        else:
            logging.config.fileConfig(path, disable_existing_loggers=False)
    except (ValueError, TypeError, KeyError, AttributeError, ImportError, OSError) as exc:
        raise ServerStartupError(
            f"--log-config {path} is not a valid logging config: {exc}"
        ) from None


def _yaml(path: str) -> Any:

    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise ServerStartupError(
            f"--log-config {path} is YAML, which needs PyYAML: pip install pyyaml"
        ) from None
    with open(path) as f:
        try:
            return yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise ServerStartupError(f"--log-config {path} is not valid YAML: {exc}") from None


def configure_logging(config: ServerConfig) -> None:
    """Set logging up once per process: the ``--log-config`` file, or stderr at ``--log-level``.

    Without a file, the program's own logging setup (if any) is kept (``basicConfig`` does
    nothing then) and the access log gets a handler of its own that writes bare lines, so that
    the Common Log Format is what a log shipper receives.
    """
    global _configured
    if _configured:
        return
    _configured = True
    if config.log_config:
        load_log_config(config.log_config)
        return
    level = getattr(logging, config.log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format="fastcore: %(levelname)s: %(message)s")
    logging.getLogger("fastcore").setLevel(level)
    access = logging.getLogger("fastcore.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.propagate = False
