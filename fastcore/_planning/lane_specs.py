"""The planning layer's side of the server's contract: a ``LaneSpec`` for each route plan.

fastcore's server (``fastcore/server/contract.py``) reads a route only through its spec:
where each parameter is read and how the lane may convert it, the body decoder, what the
lane writes itself, and why a route is left to the plan's general path. This module fills
the specs from what ``handlers``, ``_bodies`` and ``validation`` decided at start-up, so the
server never reaches into them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from fastcore._accel import load
from fastcore._planning.bodies import BodyPlan, media_kind
from fastcore._planning.exit_stack import RequestStack
from fastcore._planning.handlers import Extractor, RequestData
from fastcore._planning.lane_params import int_bounds
from fastcore._planning.plans import RoutePlan
from fastcore._planning.pooled import build_pooled, passthrough
from fastcore._planning.threadpool import idle, submit_call
from fastcore._routing import FOUND, parse_query
from fastcore._validation import _BOOL_WORDS
from fastcore.dependencies import ASYNC_GEN, GEN, ParamField
from fastcore.exceptions import RequestValidationError
from fastcore.server.contract import (
    INT64,
    Answer,
    AsgiApp,
    ErrorHandler,
    Fallback,
    Kind,
    LaneParam,
    LaneRoutes,
    LaneSpec,
    Router,
    Source,
)

if TYPE_CHECKING:
    from fastcore._planning.handlers import Errors


#: The flat plan's module: compiled (``_steps_c``, from the same source) or pure.
_STEPS = load("fastcore._planning.steps")
__all__ = ["fallback_of", "lane_param", "lane_routes", "lane_spec"]

_SOURCES = {"path": Source.PATH, "query": Source.QUERY, "header": Source.HEADER}
_SOURCES["cookie"] = Source.COOKIE
_KINDS: dict[Any, Kind] = {str: Kind.STR, int: Kind.INT, bool: Kind.BOOL}


def lane_param(name: str, extract: Extractor, field: ParamField | None) -> LaneParam:
    """What the lane may do with one parameter itself; anything else is ``extract``'s."""
    if field is None or field.is_sequence or len(getattr(field.marker, "alias_choices", ())) > 1:
        return LaneParam(name, extract)
    if field.validate_default:
        return LaneParam(name, extract)  # NOTE: the default is validated by ``extract``
    source = _SOURCES.get(field.source)
    kind = _KINDS.get(field.annotation) if type(field.annotation) is type else None
    low, high = INT64
    # NOTE: Path(ge=...)/Query(le=...) on an int: the lane checks the bounds (_lane_params)
    bounds = int_bounds(field.annotation) if kind is None else None
    if bounds is not None:
        kind, (low, high) = Kind.INT, bounds
    if source is None or kind is None:
        return LaneParam(name, extract)
    return LaneParam(
        name,
        extract,
        source,
        field.key.lower() if source is Source.HEADER else field.key,
        kind,
        low,
        high,
        has_default=not field.required and field.default_factory is None,
        default=field.default,
        words=_BOOL_WORDS if kind is Kind.BOOL else None,
    )


def fallback_of(plan: RoutePlan) -> Fallback:
    """Why the server takes ``plan``'s general path for every request, or ``Fallback.NONE``.

    The plan decides (``simple_call``, see ``RoutePlan.__init__``); this names its reason.
    A plan class that is never simple says why itself (``lane_fallback``).
    """
    if plan.simple_call is not None:
        return Fallback.NONE
    declared: Fallback | None = getattr(plan, "lane_fallback", None)
    if declared is not None:
        return declared
    needs, call = plan.needs, plan.call
    body = needs.body_plan
    if call.kind in (ASYNC_GEN, GEN):
        return Fallback.STREAM
    if body is not None and body.is_form:
        return Fallback.FORM
    if needs.has_yield:
        return Fallback.YIELD
    if call.subs:
        return Fallback.DEPENDENCIES
    if call.specials:
        return Fallback.SPECIAL
    if needs.max_body_size is not None:
        # NOTE: with or without a body parameter: a Content-Length over the limit is a 413
        return Fallback.BODY_LIMIT
    # NOTE: a def handler with none of the above is simple_call (the lane calls it, or hands
    # it to the thread pool: LaneSpec.submit), so no Fallback names it
    return Fallback.OTHER


def lane_spec(plan: RoutePlan) -> LaneSpec:
    """The flat description of ``plan`` the server's lane serves from."""
    needs = plan.needs
    body = needs.body_plan if isinstance(needs.body_plan, BodyPlan) else None
    # PERF: one msgspec- or pydantic-typed, non-embedded JSON body is decoded by the lane
    # straight into the handler's argument; anything else goes through the body plan.
    decoder: Any = None
    msgpack_decoder: Any = None
    body_key = body_name = ""
    # NOTE: a body whose dataclasses need their defaults completed (_dataclass_defaults)
    # takes the body plan's values, which completes them
    if body is not None and not body.embed and body._decoder is not None and body._complete is None:
        decoder, body_key = body._decoder, body.fields[0].key
        msgpack_decoder = body._msgpack_decoder
    params = []
    for (name, extract), field in zip(plan.extractors, plan.call.fields, strict=True):
        if decoder is not None and field is not None and field.source == "body":
            body_name = name
            continue
        params.append(lane_param(name, extract, field))
    if decoder is not None and not body_name:
        decoder = msgpack_decoder = None
        params = [LaneParam(name, extract) for name, extract in plan.extractors]
    fallback = fallback_of(plan)
    steps = _STEPS.build_steps(plan) if fallback is not Fallback.NONE else None
    # NOTE: a def handler over def dependencies: the lane hands the whole request to the pool
    pooled = build_pooled(plan) if steps is None and fallback is not Fallback.NONE else None
    if steps is not None or pooled is not None:
        fallback = Fallback.STEPS
    call = plan.simple_call if fallback is Fallback.NONE else None
    submit: Any = submit_call if plan.simple_pooled and fallback is Fallback.NONE else None
    serialize = plan.serialize
    if pooled is not None:
        call, submit = pooled.call, pooled.submit
        if pooled.json:
            serialize = passthrough  # NOTE: the worker serialized the answer
    return LaneSpec(
        general=plan,
        route=plan.route,
        fallback=fallback,
        call=call,
        sync=plan.simple_sync,
        params=tuple(params),
        query=needs.query,
        headers=needs.headers,
        cookies=needs.cookies,
        body_values=body.values if body is not None else None,
        decoder=decoder,
        msgpack_decoder=msgpack_decoder,
        body_key=body_key,
        body_name=body_name,
        media=media_kind,
        answer=Answer(plan.fast),
        status_code=plan.status_code,
        content_type_line=plan.content_type_line,
        serialize=serialize,
        negotiate=plan.msgpack.answer if plan.msgpack is not None else None,
        has_yield=needs.has_yield,
        function_scoped=needs.function_scoped,
        new_stack=RequestStack,
        steps=steps if steps is not None else pooled,
        submit=submit,
    )


def _invalid(errors: Errors, body: bytes | None) -> Exception:
    return RequestValidationError(errors, body=body)


def lane_routes(
    router: Router,
    plans: Iterable[RoutePlan],
    asgi: AsgiApp,
    on_error: ErrorHandler,
    whole_app: Fallback | None,
) -> LaneRoutes:
    """An app's routes for the server: ``router``'s plans, each with its spec."""
    return LaneRoutes(
        router=router,
        found=FOUND,
        specs={plan: lane_spec(plan) for plan in plans},
        asgi=asgi,
        on_error=on_error,
        request_state=RequestData,
        parse_query=parse_query,
        invalid=_invalid,
        whole_app=whole_app,
        idle=idle,
    )
