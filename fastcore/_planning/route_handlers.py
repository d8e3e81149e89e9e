"""Routes whose class overrides ``APIRoute.get_route_handler`` (FastAPI's custom route classes).

FastAPI serves every route through ``request_response(route.get_route_handler())``; users
subclass ``APIRoute`` to wrap that handler (a ``Request`` subclass that decompresses the
body, a timer that adds a header, logging the body of a request that failed validation).
fastcore serves ordinary routes from their plans without building a ``Request`` at all, so
only a route whose class overrides the hook is served through it: ``HandlerPlan`` builds a
Starlette ``Request``, awaits the handler the route returned and sends its Response. What
``super().get_route_handler()`` returns is the route's own plan entry
(``RoutePlan.respond_to``). The fast lane never sees these routes (``simple_call`` is None),
and every other route pays nothing.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any

from fastcore._planning.body_limits import limited_receive, set_outer_limit
from fastcore._planning.handlers import RequestData
from fastcore._planning.plans import EXIT_STACK, RoutePlan, is_response
from fastcore._planning.threadpool import run_in_threadpool
from fastcore.server.contract import Fallback

if TYPE_CHECKING:
    from starlette.responses import Response

    from fastcore.routing import APIRoute

__all__ = ["HandlerPlan", "with_route_handler"]


def overrides_handler(route: APIRoute) -> bool:
    """Whether the route's class replaced FastAPI's ``get_route_handler``."""
    from fastcore.routing import APIRoute

    return type(route).get_route_handler is not APIRoute.get_route_handler


def with_route_handler(route: APIRoute, plan: RoutePlan) -> RoutePlan:
    """The plan the app serves ``route`` with: its own, or one through its custom handler.

    The handler is asked for once, when the app plans the route (FastAPI asks in the
    route's ``__init__``); an error it raises names the route. One given through
    ``route.app = request_response(handler)`` (``handler_override``) is served the same way.
    """
    route.route_plan = plan
    handler = route.handler_override
    if handler is None:
        if not overrides_handler(route):
            return plan
        handler = route.get_route_handler()
    if not callable(handler):
        raise TypeError(
            f"{type(route).__name__}.get_route_handler() for route {route.name!r} returned "
            f"{handler!r}, not a callable taking a Request"
        )
    return HandlerPlan(plan, handler)


class HandlerPlan(RoutePlan):
    """A route served as FastAPI serves it: ``response = await handler(Request(...))``.

    It keeps the inner plan's needs (so the server gives it an exit stack when the route
    has yield dependencies or a form) but no ``simple_call``: fastcore's server takes the
    general path (``Dispatch.serve``), which renders through ``render`` below.
    """

    __slots__ = ("handler", "inner")
    lane_fallback = Fallback.ROUTE_HANDLER

    def __init__(self, inner: RoutePlan, handler: Any) -> None:
        super().__init__(
            inner.call, inner.needs, inner.serialize, inner.status_code, inner.response_class
        )
        self.inner = inner
        self.route = inner.route
        self.simple_call = None
        self.simple_sync = False
        if not (inspect.iscoroutinefunction(handler) or _is_async_callable(handler)):
            handler = functools.partial(run_in_threadpool, handler)  # NOTE: as Starlette's
        self.handler = handler

    async def render(self, rd: RequestData) -> tuple[int, bytes] | Response:
        from starlette.requests import Request

        scope = rd.get_scope()
        receive = rd.get_receive()
        limit = self.needs.max_body_size
        if limit is not None:  # NOTE: as FastAPI: the limit wraps the route's ASGI app
            set_outer_limit(scope, limit)
            receive = limited_receive(receive, rd.raw_headers, limit)
        if rd.stack is not None:
            scope[EXIT_STACK] = rd.stack
        response = await self.handler(Request(scope, receive))
        if not is_response(response):
            raise TypeError(
                f"the route handler of {self.route.name!r} ({type(self.route).__name__}) "
                f"returned {response!r}, not a Response"
            )
        return response


def _is_async_callable(obj: Any) -> bool:
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004
    )
