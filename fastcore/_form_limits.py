"""FastAPI's ``fastapi._form_limits`` path: the type of ``form_limits=`` (app, router, route).

Code that types its limits the way FastAPI's does (``limits: _FormLimits = {"max_fields": 1}``)
imports it from here; fastcore checks the values in ``fastcore/_planning/body_limits.py``.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["_FormLimits"]


class _FormLimits(TypedDict, total=False):
    """Limits for automatic parsing of ``Form``, ``File`` and ``UploadFile`` parameters."""

    max_fields: int  # most non-file form fields
    max_files: int  # most files in a multipart form
    max_part_size: int  # largest non-file field, in bytes
