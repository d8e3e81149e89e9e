"""``fastapi.dependencies.utils``'s import path: reading signatures as FastAPI does.

Libraries around FastAPI call these to read a wrapped endpoint's signature with its
annotations resolved (caching and rate-limit decorators) or to build the ``Dependant`` of a
callable. fastcore honours the ones whose behaviour it shares; the parts of FastAPI's request
solving that fastcore does differently (its plans are compiled at start-up) raise an
``ImportError`` that names the FastAPI feature, so a library fails at import, clearly.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from fastcore._planning.specials import special_types
from fastcore.dependencies import Dependant, ParamField, analyze
from fastcore.params import Depends, Security, Undefined

__all__ = [
    "_get_body_field",
    "_get_flat_body_params",
    "_should_embed_body_fields",
    "get_dependant",
    "get_flat_dependant",
    "get_flat_params",
    "get_parameterless_sub_dependant",
    "get_path_param_names",
    "get_typed_annotation",
    "get_typed_return_annotation",
    "get_typed_signature",
    "lenient_issubclass",
]


def get_path_param_names(path: str) -> set[str]:
    """The ``{name}`` parameters of a path template (``{name:path}`` keeps its converter)."""
    return set(re.findall("{(.*?)}", path))


def lenient_issubclass(cls: Any, class_or_tuple: Any) -> bool:
    """``issubclass`` that answers ``False`` for non-classes (``list[int]``, ``None``)."""
    return isinstance(cls, type) and issubclass(cls, class_or_tuple)


def _signature(call: Callable[..., Any]) -> inspect.Signature:
    try:
        return inspect.signature(call, eval_str=True)
    except NameError:  # a name imported only under TYPE_CHECKING: keep it as written
        return inspect.signature(call)


def get_typed_annotation(annotation: Any, globalns: dict[str, Any]) -> Any:
    """``annotation`` with a string (forward reference) evaluated in ``globalns``."""
    if isinstance(annotation, str):
        # NOTE: the string is an annotation the user wrote; evaluating it in the callable's
        # module is what typing.get_type_hints does, without its private ForwardRef API.
        annotation = eval(annotation, globalns)
        if annotation is type(None):
            return None
    return annotation


def get_typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """``call``'s signature with every annotation resolved, return annotation dropped."""
    signature = _signature(call)
    globalns = getattr(inspect.unwrap(call), "__globals__", {})
    params = [
        p.replace(annotation=get_typed_annotation(p.annotation, globalns))
        for p in signature.parameters.values()
    ]
    return inspect.Signature(params)


def get_typed_return_annotation(call: Callable[..., Any]) -> Any:
    """``call``'s resolved return annotation, or ``None`` when it has none."""
    annotation = _signature(call).return_annotation
    if annotation is inspect.Signature.empty:
        return None
    return get_typed_annotation(annotation, getattr(inspect.unwrap(call), "__globals__", {}))


def get_dependant(
    *,
    path: str,
    call: Callable[..., Any],
    name: str | None = None,
    own_oauth_scopes: list[str] | None = None,
    parent_oauth_scopes: list[str] | None = None,
    use_cache: bool = True,
    scope: str | None = None,
    **_: Any,
) -> Dependant:
    """The ``Dependant`` tree fastcore reads from ``call`` for a route at ``path``.

    Raises ``FastCoreError`` (a ``FastAPIError``) naming the parameter, as start-up would.
    """
    names = frozenset(n.split(":", 1)[0] for n in get_path_param_names(path))
    dependant = analyze(call, names, special_types())
    if name is not None:
        dependant.name = name
    scopes = (parent_oauth_scopes or []) + (own_oauth_scopes or [])
    if scopes:
        dependant.scopes = tuple(scopes)
    return dependant


def get_parameterless_sub_dependant(*, depends: Depends, path: str) -> Dependant:
    """The ``Dependant`` of a ``Depends(...)`` given in a decorator's ``dependencies=``."""
    if not callable(depends.dependency):
        raise TypeError("A parameter-less dependency must have a callable dependency")
    scopes = list(getattr(depends, "scopes", ()) or ()) if isinstance(depends, Security) else []
    dependant = get_dependant(path=path, call=depends.dependency, own_oauth_scopes=scopes)
    dependant.marker = depends
    return dependant


def get_flat_dependant(dependant: Dependant, **_: Any) -> Dependant:
    """One ``Dependant`` with the parameters of the whole tree, sub-dependencies included."""
    flat = Dependant(call=dependant.call, name=dependant.name, kind=dependant.kind)
    seen: set[int] = set()
    for node in dependant.flat():
        for field in node.params:
            if id(field) not in seen:
                seen.add(id(field))
                flat.params.append(field)
        flat.specials.update(node.specials)
    flat.scopes = dependant.scopes
    return flat


def get_flat_params(dependant: Dependant) -> list[ParamField]:
    """The tree's path, query, header and cookie parameters, in FastAPI's order."""
    params = get_flat_dependant(dependant).params
    return [
        p for source in ("path", "query", "header", "cookie") for p in params if p.source == source
    ]


def _get_flat_body_params(dependant: Dependant) -> list[ParamField]:
    """The tree's body parameters, the route's own first (FastAPI's order)."""
    body: list[ParamField] = []
    stack: list[Any] = [dependant]
    while stack:
        node = stack.pop()
        node = getattr(node, "dependant", node)  # NOTE: an entry, or a Dependant appended
        body.extend(node.body_params)
        stack.extend(reversed(node.dependencies))
    return body


def _should_embed_body_fields(fields: list[ParamField]) -> bool:
    """Whether the body is an object keyed by parameter (several, or one ``embed=True``)."""
    if not fields:
        return False
    if len({f.key for f in fields}) > 1:
        return True
    return bool(getattr(fields[0].marker, "embed", False))


def _get_body_field(
    *, body_params: list[ParamField], name: str, embed_body_fields: bool
) -> ParamField | None:
    """What describes the route's body: None without one, the parameter for a body that is
    one value, else a field named ``body`` standing for the combined object (FastAPI's model
    ``Body_<name>``).

    As FastAPI's, it only describes (its marker says Form or JSON): fastcore reads bodies
    through the plan the app builds at start-up, from the route's ``dependant``.
    """
    if not body_params:
        return None
    first = body_params[0]
    if not embed_body_fields:
        return first
    return ParamField(
        name="body",
        source="body",
        key="body",
        annotation=dict[str, Any],
        default=Undefined if any(p.required for p in body_params) else None,
        default_factory=None,
        marker=first.marker,
    )


#: FastAPI functions that solve a request with pydantic ModelFields; fastcore compiles plans.
_NOT_HONOURED = {
    "solve_dependencies": "solving a request's dependencies outside a route",
    "request_params_to_args": "validating parameters against pydantic ModelFields",
    "request_body_to_args": "validating a body against pydantic ModelFields",
    "analyze_param": "FastAPI's per-parameter ModelField analysis",
    "add_param_to_fields": "FastAPI's per-parameter ModelField analysis",
}


def __getattr__(name: str) -> Any:
    if name in _NOT_HONOURED:
        raise ImportError(
            f"fastcore does not provide fastapi.dependencies.utils.{name} ({_NOT_HONOURED[name]}):"
            " fastcore compiles each route's dependencies into a plan at start-up instead of"
            " solving pydantic ModelFields per request",
            name=__name__,
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
