"""A route's Dependant -> a RoutePlan, and running that plan for one request.

Everything that can be decided at start-up is decided in ``build_plan``: each
parameter becomes an extractor closure holding its key, converter, default and error
location; the dependency tree becomes nested ``CallPlan``s; the body becomes one
``BodyPlan``; the return value gets one serializer. A request then runs closures
over already-parsed request data: no ``inspect`` or ``typing`` calls, no lookups of
what a parameter is.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from fastcore import _validation as validation
from fastcore._dependency_limits import _DependencyConcurrency, limited_context
from fastcore._planning.bodies import BodyPlan, build_body_plan, validator_for
from fastcore._planning.body_limits import (
    BodyLimits,
    limited_receive,
    refuse_declared,
    set_outer_limit,
)
from fastcore._planning.defaults import validated_default
from fastcore._planning.exit_stack import RequestStack, _GeneratorExit
from fastcore._planning.request_io import parse_cookies, read_body
from fastcore._planning.threadpool import run_in_threadpool, run_to_completion
from fastcore._routing import parse_query as _parse_query
from fastcore.dependencies import ASYNC, ASYNC_GEN, GEN, SYNC, Dependant, ParamField
from fastcore.exceptions import FastCoreError

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from fastcore._planning.forms import FormPlan
    from fastcore.background import BackgroundTasks

__all__ = [
    "CallPlan",
    "Overrides",
    "RequestData",
    "RequestNeeds",
    "build_call_plan",
]

Errors = list[dict[str, Any]]
Extractor = Callable[["RequestData", Errors], Any]
_MISSING: Any = object()
_LRU_WRAPPER = type(functools.lru_cache(maxsize=None)(lambda: None))


class RequestData:
    """What one request has parsed so far; filled as the plan needs it."""

    __slots__ = (
        "background",
        "body",
        "body_values",
        "cache",
        "conn",
        "cookies",
        "function_stack",
        "headers",
        "path_params",
        "query",
        "query_pairs",
        "query_string",
        "raw_headers",
        "receive",
        "request",
        "route",
        "scope",
        "stack",
        "sub_response",
    )

    #: The exit stack of scope="function" dependencies: set only on routes that have one
    #: (``RoutePlan.serve_with_stacks``), never in ``__init__``, so other requests pay nothing.
    function_stack: contextlib.AsyncExitStack

    def __init__(
        self,
        scope: dict[str, Any] | None,
        receive: Any,
        path_params: dict[str, Any],
        query_string: bytes = b"",
        raw_headers: list[tuple[bytes, bytes]] | None = None,
        conn: Any = None,
    ) -> None:
        # NOTE: fastcore's server passes no scope or receive but its request cycle
        # (``conn``), which builds a scope only if something asks for one (a Request
        # parameter, a Response object, an error).
        self.scope = scope
        self.conn = conn
        self.receive = receive
        self.path_params = path_params
        if scope is not None:
            query_string = scope.get("query_string", b"")
            raw_headers = scope["headers"]
        self.query_string = query_string
        self.raw_headers: list[tuple[bytes, bytes]] = raw_headers or []
        self.query: dict[str, str] = {}
        self.query_pairs: list[tuple[str, str]] = []
        self.headers: dict[str, str] = {}
        self.cookies: dict[str, str] = {}
        self.body: bytes | None = None
        self.body_values: dict[str, Any] = {}
        self.request: Request | None = None
        #: The APIRoute being served, put in the scope when one is built (``scope["route"]``).
        self.route: Any = None
        self.sub_response: Response | None = None
        self.background: BackgroundTasks | None = None
        self.cache: dict[Any, Any] = {}
        self.stack: contextlib.AsyncExitStack | None = None

    def get_scope(self) -> dict[str, Any]:
        scope = self.scope
        if scope is None:
            scope = self.scope = self.conn.scope()
            scope["path_params"] = self.path_params
            route = self.route
            if route is not None:
                scope["route"] = route
                scope["endpoint"] = route.endpoint
        return scope

    def get_receive(self) -> Any:
        if self.receive is None:
            self.receive = self.conn.receive
        return self.receive

    def parse_query(self) -> None:
        qs = self.query_string
        if qs:
            pairs = _parse_query(qs)
            self.query_pairs = pairs
            self.query = dict(pairs)

    def parse_headers(self) -> None:
        headers: dict[str, str] = {}
        for name, value in self.raw_headers:
            key = name.decode("latin-1")
            if key not in headers:  # NOTE: the first of repeated headers wins, as in Starlette
                headers[key] = value.decode("latin-1")
        self.headers = headers

    def parse_cookies(self) -> None:
        for name, value in self.raw_headers:
            if name == b"cookie":
                self.cookies = parse_cookies(value.decode("latin-1"))
                return

    def get_request(self) -> Request:
        if self.request is None:
            from starlette.requests import Request

            self.request = Request(self.get_scope(), self.get_receive())
            if self.body is not None:
                self.request._body = self.body
        return self.request

    def get_response(self) -> Response:
        if self.sub_response is None:
            from starlette.responses import Response

            response = Response()
            del response.headers["content-length"]
            response.status_code = None  # type: ignore[assignment]
            self.sub_response = response
        return self.sub_response

    def get_background(self) -> BackgroundTasks:
        if self.background is None:
            from fastcore.background import BackgroundTasks

            self.background = BackgroundTasks()
        return self.background


def _getter(field: ParamField) -> Callable[[RequestData], Any]:
    key = field.key
    if field.source == "path":
        return lambda rd: rd.path_params.get(key, _MISSING)
    if field.source == "query":
        if field.is_sequence:
            return lambda rd: [v for k, v in rd.query_pairs if k == key] or _MISSING
        return lambda rd: rd.query.get(key, _MISSING)
    if field.source == "header":
        lkey = key.lower()
        if field.is_sequence:
            bkey = lkey.encode("latin-1")
            return lambda rd: (
                [v.decode("latin-1") for k, v in rd.raw_headers if k == bkey] or _MISSING
            )
        return lambda rd: rd.headers.get(lkey, _MISSING)
    if field.source == "cookie":
        return lambda rd: rd.cookies.get(key, _MISSING)
    return lambda rd: rd.body_values.get(key, _MISSING)


#: The RequestData mapping each scalar source is read from.
_MAPPINGS = {"path": "path_params", "query": "query", "header": "headers", "cookie": "cookies"}


def _param_extractor(field: ParamField) -> Extractor:
    if field.model is not None:
        # PERF: the parameter models' reader is imported by the routes that have one
        from fastcore._planning.param_models import model_extractor

        return model_extractor(field, validator_for)
    if len(getattr(field.marker, "alias_choices", ())) > 1 and field.source != "path":
        return _choices_extractor(field)
    get = _getter(field)
    convert = validation.converter(field.annotation)
    tp, loc = field.annotation, (field.source, field.key)
    required, default, factory = field.required, field.default, field.default_factory
    checked = field.validate_default
    # PERF: scalars are looked up here rather than through ``get``: one frame less per
    # parameter (~70 ns) on every request.
    mapping = None if field.is_sequence else _MAPPINGS.get(field.source)
    key = field.key.lower() if field.source == "header" else field.key

    def extract(rd: RequestData, errors: Errors) -> Any:
        raw = getattr(rd, mapping).get(key, _MISSING) if mapping else get(rd)
        if raw is _MISSING:
            if required:
                errors.append(validation.missing(loc))
                return None
            if checked:
                return validated_default(field, loc, errors)
            return factory() if factory is not None else default
        try:
            return convert(raw)
        except Exception as exc:
            errors.extend(_conversion_errors(exc, tp, raw, loc))
            return None

    return extract


def _conversion_errors(
    exc: Exception, tp: Any, raw: Any, loc: tuple[str, str]
) -> list[dict[str, Any]]:
    """FastAPI's error details for ``raw`` that ``convert`` refused (off the request's usual path).

    A converter's own ``InvalidValue`` carries them, relative to the value; for any other
    exception the validation layer explains the value against ``tp``.
    """
    if isinstance(exc, validation.InvalidValue):
        return [{**e, "loc": [*loc, *e["loc"]]} for e in exc.errors]
    found = validation.errors_for(tp, raw, loc)
    return found or [{"type": "value_error", "loc": list(loc), "msg": str(exc), "input": raw}]


def _choices_extractor(field: ParamField) -> Extractor:
    """A parameter with ``AliasChoices``: the first name the request has, as FastAPI reads it."""
    key = field.key
    getters = []
    for choice in field.marker.alias_choices:
        alt = dataclasses.replace(field, key=choice.lower() if field.source == "header" else choice)
        getters.append((choice, _getter(alt)))
    convert = validation.converter(field.annotation)
    tp = field.annotation
    required, default, factory = field.required, field.default, field.default_factory

    def extract(rd: RequestData, errors: Errors) -> Any:
        for name, get in getters:
            raw = get(rd)
            if raw is not _MISSING:
                loc = (field.source, name)
                break
        else:
            if required:
                errors.append(validation.missing((field.source, key)))
                return None
            if field.validate_default:
                return validated_default(field, (field.source, key), errors)
            return factory() if factory is not None else default
        try:
            return convert(raw)
        except Exception as exc:
            errors.extend(_conversion_errors(exc, tp, raw, loc))
            return None

    return extract


def _body_extractor(field: ParamField) -> Extractor:
    key = field.key
    return lambda rd, errors: rd.body_values.get(key)


_SPECIALS: dict[str, Callable[[RequestData], Any]] = {
    "scope": RequestData.get_scope,
    "request": RequestData.get_request,
    "response": RequestData.get_response,
    "background": RequestData.get_background,
    "websocket": RequestData.get_request,  # NOTE: a WebSocket plan presets rd.request
}


def _special(kind: str, dep: Dependant) -> Callable[[RequestData], Any]:
    if kind != "scopes":
        return _SPECIALS[kind]
    from fastcore.security.oauth2 import SecurityScopes

    scopes = list(dep.scopes)
    return lambda rd: SecurityScopes(list(scopes))


class _ThreadedContext:
    """A sync generator dependency entered and exited in the thread pool.

    As FastAPI's ``contextmanager_in_threadpool``: the exit is shielded, so a cancelled
    request still runs its cleanup in a worker, and waits for it, before its task ends.
    """

    def __init__(self, cm: contextlib.AbstractContextManager[Any]) -> None:
        self.cm = cm

    async def __aenter__(self) -> Any:
        return await run_in_threadpool(self.cm.__enter__)

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return await run_to_completion(self.cm.__exit__, *exc_info)


class _ThreadedGeneratorExit:
    """The exit of a ``def`` generator entered in a pool thread by ``run_sync``: run there too.

    Pushed onto the request's stack from the worker while the request's coroutine waits for
    the hop; exits as ``_ThreadedContext`` does (shielded, in a worker), with ``contextlib``'s
    outcome (``_GeneratorExit``).
    """

    __slots__ = ("exit",)

    def __init__(self, gen: Any) -> None:
        self.exit = _GeneratorExit(gen)

    async def __call__(self, *exc_info: Any) -> bool:
        return await run_to_completion(self.exit, *exc_info)  # type: ignore[no-any-return]


class _InlineContext(_ThreadedContext):
    """A sync generator dependency entered and exited on the loop (``sync_inline=True``)."""

    async def __aenter__(self) -> Any:
        return contextvars.copy_context().run(self.cm.__enter__)

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return contextvars.copy_context().run(self.cm.__exit__, *exc_info)


class CallPlan:
    """How to fill and call one handler or dependency."""

    __slots__ = (
        "cached",
        "call",
        "cm_factory",
        "concurrency",
        "extractors",
        "fields",
        "function_scoped",
        "inline",
        "key",
        "kind",
        "name",
        "overrides",
        "plain",
        "specials",
        "subs",
    )

    def __init__(
        self,
        dep: Dependant,
        subs: tuple[tuple[str, CallPlan, bool], ...],
        overrides: Overrides | None = None,
        inline: bool = False,
    ) -> None:
        self.overrides = overrides
        #: ``sync_inline=``: plain ``def`` callables are called on the loop, not in the pool.
        self.inline = inline
        self.call = dep.call
        self.name = dep.name
        self.kind = dep.kind
        self.key = dep.cache_key
        self.subs = subs
        self.extractors = tuple(
            (p.name, _body_extractor(p) if p.source == "body" else _param_extractor(p))
            for p in dep.params
        )
        #: The ParamField of each extractor, for code that specialises on the type.
        self.fields = tuple(dep.params)
        self.specials = tuple((name, _special(kind, dep)) for name, kind in dep.specials.items())
        #: Declared ``scope="function"``: a yield dependency exits through
        #: ``rd.function_stack`` (before the response is sent) rather than ``rd.stack``.
        self.function_scoped = dep.scope == "function"
        #: ``Depends(max_concurrency=N)``: the declaration's limit (``_dependency_limits``).
        self.concurrency: _DependencyConcurrency | None = getattr(dep.marker, "_concurrency", None)
        self.cm_factory: Any = None
        if dep.kind == ASYNC_GEN:
            self.cm_factory = contextlib.asynccontextmanager(dep.call)
        elif dep.kind == GEN:
            self.cm_factory = contextlib.contextmanager(dep.call)
        #: This call and every sub-dependency under it are plain ``def`` functions or ``def``
        #: generators: the whole tree is solved and called by ``run_sync``, in ONE thread-pool
        #: hop (or inline); a generator's exit is one more hop, after the response.
        self.plain: bool = (
            dep.kind in (SYNC, GEN)
            and self.concurrency is None
            and all(sub.plain for _, sub, _ in subs)
        )
        #: A ``functools.cache``/``lru_cache`` function of no arguments (the tutorial's
        #: ``get_settings``): once its one entry is cached a call is a dict lookup in C that
        #: does not run the function, so it is made on the loop, without a thread hop.
        self.cached = (
            self.plain
            and not (subs or self.extractors or self.specials)
            and type(dep.call) is _LRU_WRAPPER
        )

    async def solve(self, rd: RequestData, errors: Errors) -> dict[str, Any]:
        """The keyword arguments for this call; sub-dependencies are called on the way."""
        kwargs: dict[str, Any] = {}
        overrides = self.overrides
        for name, sub, use_cache in self.subs:
            if overrides is not None and overrides.mapping and sub.call in overrides.mapping:
                sub = overrides.plan_for(sub)
            if use_cache and sub.key in rd.cache:
                value = rd.cache[sub.key]
            elif sub.plain and not (overrides is not None and overrides.mapping):
                # PERF: a def dependency and its def sub-dependencies: one hop for them all
                value = await sub.run_plain(rd, errors)
                if value is _MISSING:
                    continue
                if use_cache:
                    rd.cache[sub.key] = value
            else:
                before = len(errors)
                sub_kwargs = await sub.solve(rd, errors)
                if len(errors) > before:
                    continue  # NOTE: as FastAPI: a dependency with invalid input is not called
                value = await sub.invoke(sub_kwargs, rd)
                if use_cache:
                    rd.cache[sub.key] = value
            if name:
                kwargs[name] = value
        for name, extract in self.extractors:
            kwargs[name] = extract(rd, errors)
        for name, special in self.specials:
            kwargs[name] = special(rd)
        return kwargs

    def run_sync(self, rd: RequestData, errors: Errors) -> Any:
        """Solve and call a ``plain`` tree in one go (in a pool thread, or inline).

        Step for step what ``solve`` and ``invoke`` do, without awaiting between the calls;
        ``_MISSING`` when this call's own input has errors (it is not called, as FastAPI).
        The caller checks that no dependency override is set (an override may be async).
        """
        kwargs: dict[str, Any] = {}
        before = len(errors)
        cache = rd.cache
        for name, sub, use_cache in self.subs:
            if use_cache and sub.key in cache:
                value = cache[sub.key]
            else:
                value = sub.run_sync(rd, errors)
                if value is _MISSING:
                    continue
                if use_cache:
                    cache[sub.key] = value
            if name:
                kwargs[name] = value
        for name, extract in self.extractors:
            kwargs[name] = extract(rd, errors)
        for name, special in self.specials:
            kwargs[name] = special(rd)
        if len(errors) > before:
            return _MISSING
        if self.kind is GEN:
            return self._enter_generator(rd, kwargs)
        # NOTE: each call in its own copy of the request's context, as FastAPI runs each in a
        # worker of its own: a contextvar a dependency sets is not seen by the next call
        return contextvars.copy_context().run(self.call, **kwargs)

    def _enter_generator(self, rd: RequestData, kwargs: dict[str, Any]) -> Any:
        """A ``def`` generator dependency entered where ``run_sync`` runs, its exit pushed.

        In a pool thread (the request's coroutine waits for the hop, nothing else touches its
        stack) the exit goes back to the pool; inline, it runs on the loop.
        """
        stack = rd.stack
        if self.function_scoped:
            stack = getattr(rd, "function_stack", None) or stack
        if stack is None:
            raise RuntimeError(f"{self.name}: a yield dependency ran without an exit stack")
        if self.inline:
            if type(stack) is RequestStack:
                return stack.enter_generator(self.call(**kwargs))
            # NOTE: another stack (a custom route handler's), from run_sync on the loop: a
            # copy of the context for the entry; contextlib's exit runs in the stack's
            return contextvars.copy_context().run(stack.enter_context, self.cm_factory(**kwargs))
        gen = self.call(**kwargs)
        try:
            value = contextvars.copy_context().run(next, gen)
        except StopIteration:
            raise RuntimeError("generator didn't yield") from None
        stack.push_async_exit(_ThreadedGeneratorExit(gen))
        return value

    async def run_plain(self, rd: RequestData, errors: Errors) -> Any:
        """``run_sync`` in the pool (one hop for the tree), or inline with ``sync_inline``."""
        if self.inline or (self.cached and self.call.cache_info().currsize):  # type: ignore[attr-defined]
            return self.run_sync(rd, errors)
        return await run_in_threadpool(self.run_sync, rd, errors)

    async def invoke(self, kwargs: dict[str, Any], rd: RequestData) -> Any:
        if self.concurrency is not None:
            return await self._invoke_limited(kwargs, rd, self.concurrency.get_semaphore())
        kind = self.kind
        if kind is ASYNC:
            return await self.call(**kwargs)
        if kind is SYNC:
            if self.inline:  # NOTE: in a copy of the context, as in a pool thread
                return contextvars.copy_context().run(self.call, **kwargs)
            return await run_in_threadpool(self.call, **kwargs)
        stack = rd.stack
        if self.function_scoped:
            stack = getattr(rd, "function_stack", None) or stack
        if stack is None:
            raise RuntimeError(f"{self.name}: a yield dependency ran without an exit stack")
        if type(stack) is RequestStack:
            # PERF: the generator entered as it is, no context-manager object (_exit_stack)
            if kind is ASYNC_GEN:
                return await stack.enter_async_generator(self.call(**kwargs))
            if self.inline:
                return stack.enter_generator(self.call(**kwargs))
        elif kind is ASYNC_GEN:
            return await stack.enter_async_context(self.cm_factory(**kwargs))
        elif self.inline:
            return await stack.enter_async_context(_InlineContext(self.cm_factory(**kwargs)))
        return await stack.enter_async_context(_ThreadedContext(self.cm_factory(**kwargs)))

    async def _invoke_limited(self, kwargs: dict[str, Any], rd: RequestData, semaphore: Any) -> Any:
        """``invoke`` holding one of the declaration's slots (FastAPI's ``max_concurrency``).

        A plain call holds it while it runs (a ``def`` is admitted before the pool); a yield
        dependency from before it is entered until its exit code has run.
        """
        kind = self.kind
        if kind is ASYNC:
            async with semaphore:
                return await self.call(**kwargs)
        if kind is SYNC:
            async with semaphore:
                if self.inline:
                    return contextvars.copy_context().run(self.call, **kwargs)
                return await run_in_threadpool(self.call, **kwargs)
        stack = rd.stack
        if self.function_scoped:
            stack = getattr(rd, "function_stack", None) or stack
        if stack is None:
            raise RuntimeError(f"{self.name}: a yield dependency ran without an exit stack")
        cm = self.cm_factory(**kwargs)
        if kind is not ASYNC_GEN:
            cm = _InlineContext(cm) if self.inline else _ThreadedContext(cm)
        return await stack.enter_async_context(limited_context(cm, semaphore))


def build_call_plan(
    dep: Dependant, overrides: Overrides | None = None, inline: bool = False
) -> CallPlan:
    """Compile a Dependant tree into CallPlans, each able to consult the app's overrides.

    ``inline`` (the route's ``sync_inline``) calls plain ``def`` callables on the loop.
    """
    subs = tuple(
        (s.name, build_call_plan(s.dependant, overrides, inline), s.use_cache)
        for s in dep.dependencies
    )
    return CallPlan(dep, subs, overrides, inline)


class Overrides:
    """``app.dependency_overrides``, looked up per dependency call only while it is not empty.

    Tests set overrides after the app's plans exist, and change them between requests, so
    they cannot be compiled in. The plan for an override is built the first time it is used
    and kept, keyed by the original and the override, so a request never analyses a
    signature. With no overrides the cost is one empty-dict check per dependency.

    ``mapping`` is the app's own dict; the app replaces it here when a new one is assigned
    (``FastCore.dependency_overrides``), None included, as FastAPI's tests do to reset.
    """

    def __init__(self, mapping: dict[Any, Any] | None, analyze: Callable[[Any], Dependant]) -> None:
        self.mapping = mapping
        self._analyze = analyze
        self._plans: dict[tuple[Any, Any, bool, Any], CallPlan] = {}

    def plan_for(self, original: CallPlan) -> CallPlan:
        assert self.mapping is not None, "plan_for is asked only while overrides are set"
        replacement = self.mapping[original.call]
        key = (original.call, replacement, original.function_scoped, original.concurrency)
        plan = self._plans.get(key)
        if plan is None:
            dep = self._analyze(replacement)
            if any(p.source == "body" for d in dep.flat() for p in d.params):
                raise FastCoreError(
                    f"override {dep.name} for {original.name} reads the request body; "
                    "dependency overrides may read path, query, header and cookie values only"
                )
            plan = self._plans[key] = build_call_plan(dep, self, original.inline)
            # NOTE: as FastAPI: an override exits when the dependency it replaces would.
            plan.function_scoped = original.function_scoped
            # NOTE: ... and holds the replaced declaration's max_concurrency slot, as FastAPI.
            plan.concurrency = original.concurrency
            plan.plain = plan.plain and plan.concurrency is None
        return plan


class RequestNeeds:
    """What a route reads from the request, so that nothing else is parsed."""

    def __init__(
        self,
        dep: Dependant,
        overrides: Overrides | None = None,
        limits: BodyLimits | None = None,
        msgpack: bool = False,
    ) -> None:
        self.overrides = overrides
        self.max_body_size = limits.max_body_size if limits is not None else None
        flat = dep.flat()
        sources = {p.source for d in flat for p in d.params}
        self.query = "query" in sources
        self.headers = "header" in sources
        self.cookies = "cookie" in sources
        self.body_plan: BodyPlan | FormPlan | None = build_body_plan(
            [p for d in flat for p in d.params if p.source == "body"],
            limits.form_limits if limits is not None else None,
            msgpack,
        )
        # NOTE: a form's uploaded files are closed by the exit stack, after the response.
        is_form = self.body_plan is not None and self.body_plan.is_form
        self.has_yield = is_form or any(d.kind in (ASYNC_GEN, GEN) for d in flat)
        #: A scope="function" yield dependency: the handler runs inside a second exit stack.
        self.function_scoped = any(d.function_scoped for d in flat)

    async def prepare(self, rd: RequestData) -> Errors:
        """Parse what the plan needs; return the body's errors (invalid JSON raises)."""
        # NOTE: an override may read what the original did not, so with overrides set
        # everything but the body is parsed.
        every = self.overrides is not None and bool(self.overrides.mapping)
        if self.query or every:
            rd.parse_query()
        if self.headers or every:
            rd.parse_headers()
        if self.cookies or every:
            rd.parse_cookies()
        if self.max_body_size is not None and rd.request is None:
            # NOTE: a declared Content-Length over the limit is refused whether or not the
            # route reads the body; every reader of it goes through the limit, the handler's
            # ``await request.body()`` and ``request.stream()`` too, as in FastAPI.
            refuse_declared(rd.raw_headers, self.max_body_size)
            set_outer_limit(rd.get_scope(), self.max_body_size)
            rd.receive = limited_receive(rd.get_receive(), rd.raw_headers, self.max_body_size)
        if self.body_plan is None:
            return []
        if rd.request is not None:
            # NOTE: a route handler (``APIRoute.get_route_handler``) passed this Request: the
            # body is what it says (a subclass's ``body()`` may decompress it), as in FastAPI.
            return await self._from_request(rd, rd.request)
        if self.body_plan.is_form:
            # Streamed: the plan reads receive itself, so an upload is never held whole.
            plan = cast("FormPlan", self.body_plan)
            form = await plan.read(rd.get_scope(), rd.get_receive())
            if rd.stack is not None:
                rd.stack.push_async_callback(form.close)
            rd.get_request()._form = form  # NOTE: so that request.form() answers it too
            rd.body_values, errors = await plan.values(form)
            return errors
        body = rd.body
        if body is None:
            body = rd.body = await read_body(rd.get_receive())
        # NOTE: else fastcore's lane took the whole body already (a flat-plan route sent
        # back to this path: a dependency's invalid input, overrides)
        ctype = None
        for name, value in rd.raw_headers:
            if name == b"content-type":
                ctype = value
                break
        values, errors = cast(BodyPlan, self.body_plan).values(body, ctype)
        rd.body_values = values
        return errors

    async def _from_request(self, rd: RequestData, request: Request) -> Errors:
        """The body's values read through a given Request (its limits applied by its receive)."""
        assert self.body_plan is not None
        if self.body_plan.is_form:
            plan = cast("FormPlan", self.body_plan)
            form = await plan.read(rd.get_scope(), None, request.stream())
            if rd.stack is not None:
                rd.stack.push_async_callback(form.close)
            request._form = form
            rd.body_values, errors = await plan.values(form)
            return errors
        body = rd.body = await request.body()
        values, errors = cast(BodyPlan, self.body_plan).values(body, _content_type(rd.raw_headers))
        rd.body_values = values
        return errors


def _content_type(raw_headers: list[tuple[bytes, bytes]]) -> bytes | None:
    for name, value in raw_headers:
        if name == b"content-type":
            return value
    return None
