"""The router and the query-string parser, each a pure module with its compiled twin beside it.

``router.py`` and ``query.py`` are the pure-Python builds, ``_router_c.pyx`` and
``_query_c.pyx`` the compiled ones. This package is the one place that picks the build
(``fastcore._accel.load``): the rest of fastcore imports the names below.
"""

from __future__ import annotations

from fastcore._accel import load

__all__ = [
    "FOUND",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "Router",
    "parse_query",
    "parse_template",
    "query_build",
    "router_build",
]

#: The builds in use: the compiled twins, or the pure modules.
router_build = load("fastcore._routing.router")
query_build = load("fastcore._routing.query")

FOUND = router_build.FOUND
METHOD_NOT_ALLOWED = router_build.METHOD_NOT_ALLOWED
NOT_FOUND = router_build.NOT_FOUND
Router = router_build.Router
parse_template = router_build.parse_template
parse_query = query_build.parse_query
