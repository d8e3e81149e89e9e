"""``fastapi.param_functions``'s import path: ``Query()``, ``Depends()`` and the others.

In FastAPI these are functions returning ``fastapi.params`` objects; in fastcore the classes
in ``fastcore.params`` are called directly, with the same keywords.
"""

from __future__ import annotations

from fastcore.params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security"]
