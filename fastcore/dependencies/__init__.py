"""A callable's signature -> a ``Dependant``: where each parameter comes from.

Handlers and dependencies are analysed the same way, once, at start-up. The result
is plain data; ``fastcore._planning.handlers`` turns it into the per-request plan. A mistake
in a signature is raised here as a FastCoreError naming the callable and parameter.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from fastcore._validation import hints as t
from fastcore._validation.pydantic_params import is_pydantic_scalar, pydantic_metadata
from fastcore.exceptions import (
    DeclarationError,
    DependencyScopeError,
    FastCoreError,
    PydanticV1NotSupportedError,
)
from fastcore.params import (
    Body,
    Depends,
    File,
    Header,
    Param,
    Path,
    Query,
    Undefined,
    unwrap_marker,
)

__all__ = [
    "Dependant",
    "ParamField",
    "SubDependency",
    "adopt_appended",
    "analyze",
    "callable_name",
]

#: The kinds of callable a plan knows how to run.
ASYNC, SYNC, ASYNC_GEN, GEN = "async", "sync", "asyncgen", "gen"


@dataclasses.dataclass
class ParamField:
    """One parameter read from the request."""

    name: str
    source: str  # path, query, header, cookie, body
    key: str  # the name on the wire (alias; hyphenated header)
    annotation: Any  # the type as written, constraints from the marker merged in
    default: Any
    default_factory: Callable[[], Any] | None
    marker: Param
    is_sequence: bool = False
    model: Any = None  # the class of a parameter model (fastcore._planning.param_models)
    #: pydantic's ``validate_default``: a missing value's default is validated as a sent one
    #: (fastcore/_planning/defaults.py), never on the lane.
    validate_default: bool = False

    def __post_init__(self) -> None:
        # NOTE: fastcore reads its own marker, never pydantic's view of it (params.py)
        self.marker = unwrap_marker(self.marker)

    @property
    def required(self) -> bool:
        return self.default is Undefined and self.default_factory is None


@dataclasses.dataclass
class SubDependency:
    """A parameter filled by calling another Dependant."""

    name: str
    dependant: Dependant
    use_cache: bool

    def __getattr__(self, attr: str) -> Any:
        # NOTE: FastAPI's Dependant.dependencies holds Dependants (``d.call``, ``d.params``):
        # code written for it reads the callable's side through the entry.
        dependant = self.__dict__.get("dependant")
        if dependant is None or attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(dependant, attr)


@dataclasses.dataclass
class Dependant:
    """Everything a call needs, found by reading its signature once."""

    call: Callable[..., Any]
    name: str
    kind: str = SYNC
    params: list[ParamField] = dataclasses.field(default_factory=list)
    dependencies: list[SubDependency] = dataclasses.field(default_factory=list)
    specials: dict[str, str] = dataclasses.field(default_factory=dict)  # name -> kind
    scopes: tuple[str, ...] = ()
    marker: Depends | None = None
    #: ``Depends(scope=...)`` as declared: "function", "request" or None.
    scope: str | None = None

    def by_source(self, source: str) -> list[ParamField]:
        return [p for p in self.params if p.source == source]

    # FastAPI's Dependant keeps one list per source; these are those views, for libraries.
    @property
    def path_params(self) -> list[ParamField]:
        return self.by_source("path")

    @property
    def query_params(self) -> list[ParamField]:
        return self.by_source("query")

    @property
    def header_params(self) -> list[ParamField]:
        return self.by_source("header")

    @property
    def cookie_params(self) -> list[ParamField]:
        return self.by_source("cookie")

    @property
    def body_params(self) -> list[ParamField]:
        return self.by_source("body")

    def flat(self) -> list[Dependant]:
        """This dependant and all below it, depth first, sub-dependencies before their user."""
        out: list[Dependant] = []
        for sub in self.dependencies:
            # NOTE: a Dependant a library appended is an entry once planned (adopt_appended)
            out.extend(getattr(sub, "dependant", sub).flat())
        out.append(self)
        return out

    @property
    def computed_scope(self) -> str | None:
        """The declared scope, else "request" for a yield dependency (FastAPI's rule)."""
        if self.scope:
            return self.scope
        return "request" if self.kind in (ASYNC_GEN, GEN) else None

    @property
    def function_scoped(self) -> bool:
        """A yield dependency whose exit code runs before the response is sent."""
        return self.scope == "function" and self.kind in (ASYNC_GEN, GEN)

    @property
    def cache_key(self) -> tuple[Any, tuple[str, ...], str]:
        # NOTE: as FastAPI: the same callable under two scopes is two values per request.
        return (self.call, tuple(sorted(self.scopes)), self.computed_scope or "")


def adopt_appended(dep: Dependant) -> Dependant:
    """``dep`` with every ``Dependant`` a library appended to a ``dependencies`` list made an
    entry, in place, throughout the tree.

    FastAPI code adds a route-level dependency to a built route with
    ``route.dependant.dependencies.append(get_parameterless_sub_dependant(...))``
    (fastapi-pagination's ``add_pagination``); such a dependency fills no parameter, as the
    ones of ``dependencies=[...]`` do not.
    """
    for i, sub in enumerate(dep.dependencies):
        if isinstance(sub, Dependant):
            use_cache = sub.marker.use_cache if sub.marker is not None else True
            sub = dep.dependencies[i] = SubDependency("", sub, use_cache)
        adopt_appended(sub.dependant)
    return dep


def callable_name(call: Any) -> str:
    """A readable name for messages: module.qualname for functions, the class for instances."""
    target = call if inspect.isroutine(call) or t.is_class(call) else type(call)
    module = getattr(target, "__module__", "")
    qual = getattr(target, "__qualname__", repr(target))
    return f"{module}.{qual}" if module else qual


def _impartial(call: Any) -> Any:
    while isinstance(call, functools.partial):
        call = call.func
    return call


#: In FastAPI's order: an async generator is one before anything else.
_KIND_CHECKS = (
    (inspect.isasyncgenfunction, ASYNC_GEN),
    (inspect.isgeneratorfunction, GEN),
    (inspect.iscoroutinefunction, ASYNC),
)


def _call_kind(call: Any) -> str:
    """How ``call`` is called, as FastAPI decides it.

    The callable itself, through ``functools.partial`` and ``functools.wraps`` layers (a
    sync wrapper of an ``async def`` is awaited, as FastAPI does), then its ``__call__``
    for an instance: the first of them that is a generator, async generator or coroutine
    function says so.
    """
    bare = _impartial(call)
    for check, kind in _KIND_CHECKS:
        if check(bare):  # NOTE: first the callable as given (an async wrapper of a class)
            return kind
    unwrapped = inspect.unwrap(bare)
    if t.is_class(bare) or t.is_class(unwrapped):
        return SYNC
    candidates = [bare, unwrapped]
    for target in (bare, unwrapped):
        if not inspect.isroutine(target):
            dunder = getattr(target, "__call__", None)  # noqa: B004 - instances with __call__
            if dunder is not None:
                candidates += [_impartial(dunder), inspect.unwrap(_impartial(dunder))]
    for check, kind in _KIND_CHECKS:
        if any(check(c) for c in candidates):
            return kind
    return SYNC


def _hints(call: Any, name: str) -> dict[str, Any]:
    target = call
    # NOTE: a partial has no hints of its own: its function's are read (the signature,
    # read apart, has already dropped what the partial binds)
    while isinstance(target, functools.partial):
        target = target.func
    if t.is_class(target):
        target = target.__init__
    elif not inspect.isroutine(target):
        target = target.__call__
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception as exc:  # NameError for a forward reference, TypeError for bad hints
        raise FastCoreError(f"cannot read the type hints of {name}: {exc}") from exc


def _annotation(p: inspect.Parameter) -> Any:
    """A parameter's annotation where the type hints have none: a ``__signature__`` set by
    hand (a dependency built from a model's fields) carries its types there only."""
    if p.annotation is p.empty or isinstance(p.annotation, str):
        return Any
    return p.annotation


def _signature(call: Any, name: str) -> inspect.Signature:
    try:
        if isinstance(call, types.GenericAlias):
            # NOTE: Python 3.10 reads list[int] as list's signature; 3.11+ refuse, as here.
            raise ValueError(f"callable {call!r} is not supported by signature")
        return inspect.signature(call)
    except (TypeError, ValueError) as exc:
        raise FastCoreError(f"cannot read the signature of {name}: {exc}") from exc


def _declared_marker(default: Any) -> Any:
    """A pydantic ``FieldInfo`` whose default is a marker stands for that marker.

    A model field declared ``size: int = Query(50, ge=1)`` is, in pydantic's
    ``model_fields``, a ``FieldInfo`` holding the ``Query`` as its default (FastAPI's
    ``Query`` is a ``FieldInfo``, so there pydantic merges the two); code that builds a
    dependency's signature from ``model_fields`` (fastapi-pagination's params) hands that
    ``FieldInfo`` over as the parameter's default.
    """
    default = unwrap_marker(default)
    pydantic_fields = sys.modules.get("pydantic.fields")
    if pydantic_fields is not None and isinstance(default, pydantic_fields.FieldInfo):
        inner = default.default
        if isinstance(inner, (Param, Depends)):
            return inner
    return default


def _markers(metadata: tuple[Any, ...], default: Any) -> tuple[Param | Depends | None, Any]:
    """The marker from Annotated metadata or the default, and the real default."""
    default = _declared_marker(default)
    marker: Param | Depends | None = None
    for item in metadata:
        if isinstance(item, (Param, Depends)):
            marker = unwrap_marker(item)
    if isinstance(marker, Param):
        marker = _named_by_fields(metadata, marker)
    if isinstance(default, (Param, Depends)):
        marker, default = default, Undefined
    elif marker is not None and isinstance(marker, Param) and default is Undefined:
        default = marker.default
    if isinstance(marker, Param) and default is Undefined and marker.default is not Undefined:
        default = marker.default
    return marker, default


def _named_by_fields(metadata: tuple[Any, ...], marker: Param) -> Param:
    """``marker`` named as a pydantic ``Field(alias=...)`` beside it in ``Annotated`` names it.

    FastAPI merges every ``FieldInfo`` of the metadata, in order, into its marker (its
    ``Query`` is one): the last that gives a name (``alias`` or ``validation_alias``) names
    the parameter, so ``Annotated[int, Field(alias="xx"), Query()]`` reads ``?xx=``.
    """
    fields = sys.modules.get("pydantic.fields")
    if fields is None:
        return marker
    names: tuple[Any, Any] | None = None
    for item in metadata:
        if unwrap_marker(item) is marker:
            if marker.alias_given or marker.validation_alias is not None:
                names = None  # NOTE: the marker's own names, given after the Field's
        elif (
            isinstance(item, fields.FieldInfo)
            and not isinstance(item, Param)
            and (item.alias is not None or item.validation_alias is not None)
        ):
            names = (item.alias, item.validation_alias)
    return marker if names is None else marker.with_names(*names)


def _factory_from_fields(metadata: tuple[Any, ...], marker: Param) -> Param:
    """``marker`` with the ``default_factory`` of a pydantic ``Field`` in the metadata, which
    FastAPI merges into its marker (``Annotated[int, Field(default_factory=f)]``)."""
    fields = sys.modules.get("pydantic.fields")
    if fields is None:
        return marker
    for item in reversed(metadata):
        factory = getattr(item, "default_factory", None)
        if isinstance(item, fields.FieldInfo) and not isinstance(item, Param) and factory:
            marker = copy.copy(marker)
            marker.default_factory = factory
            return marker
    return marker


class _Analyzer:
    """Reads one callable; a class so the error messages know what they are about."""

    def __init__(
        self,
        call: Any,
        path_names: frozenset[str],
        specials: dict[type, str],
        parent_scopes: tuple[str, ...] = (),
    ) -> None:
        self.call = call
        self.name = callable_name(call)
        self.path_names = path_names
        self.specials = specials
        self.parent_scopes = parent_scopes

    def fail(self, param: str, why: str, cls: type[FastCoreError] = FastCoreError) -> FastCoreError:
        return cls(f"{self.name}: parameter {param!r} {why}")

    def refuse(self, why: str) -> DeclarationError:
        """What FastAPI refuses with an ``AssertionError`` when the route is declared: its
        message (code matches it), after the callable's name."""
        return DeclarationError(f"{self.name}: {why}")

    def run(self, marker: Depends | None = None) -> Dependant:
        dep = Dependant(
            call=self.call,
            name=self.name,
            kind=_call_kind(self.call),
            marker=marker,
            scope=marker.scope if marker is not None else None,
        )
        # NOTE: as FastAPI: a dependency's scopes are its parents' plus its own marker's.
        own = marker.scopes if marker is not None else ()
        dep.scopes = tuple(dict.fromkeys((*self.parent_scopes, *own)))
        hints = _hints(self.call, self.name)
        for p in _signature(self.call, self.name).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            default = Undefined if p.default is p.empty else p.default
            self.add(dep, p.name, hints.get(p.name, _annotation(p)), default)
        return dep

    def add(self, dep: Dependant, name: str, hint: Any, default: Any) -> None:
        tp, metadata = t.split_annotated(hint)
        self._check_markers(name, metadata, default)
        marker, default = _markers(metadata, default)
        if isinstance(marker, Depends):
            sub_call = marker.dependency if marker.dependency is not None else tp
            if not callable(sub_call):
                raise self.fail(name, "uses Depends() without a callable dependency")
            yields = dep.kind in (ASYNC_GEN, GEN)
            if yields and marker.scope == "function" and dep.computed_scope == "request":
                # NOTE: FastAPI's error and message: the function-scoped exit code would run
                # before the exit code of the request-scoped dependency that uses its value.
                call_name = getattr(self.call, "__name__", "<unnamed_callable>")
                raise DependencyScopeError(
                    f'The dependency "{call_name}" has a scope of '
                    '"request", it cannot depend on dependencies with scope "function".'
                )
            try:
                analyzer = _Analyzer(sub_call, self.path_names, self.specials, dep.scopes)
                sub = analyzer.run(marker)
            except FastCoreError as exc:
                cls = DeclarationError if isinstance(exc, DeclarationError) else FastCoreError
                why = f"depends on {callable_name(sub_call)}: {exc}"
                raise self.fail(name, why, cls) from exc
            dep.dependencies.append(SubDependency(name, sub, marker.use_cache))
            return
        special = self._special(tp)
        if special is not None and marker is None:
            dep.specials[name] = special
            return
        dep.params.append(self.field(name, tp, metadata, marker, default))

    def _check_markers(self, name: str, metadata: tuple[Any, ...], default: Any) -> None:
        """FastAPI's checks of the markers in ``Annotated`` against the default (its
        ``analyze_param``): the last marker in ``Annotated`` counts."""
        found = [m for m in metadata if isinstance(m, (Param, Depends))]
        last = unwrap_marker(found[-1]) if found else None
        given = _declared_marker(default)
        if isinstance(last, Param) and last.default is not Undefined:
            raise self.refuse(
                f"`{type(last).__name__}` default value cannot be set in `Annotated` for"
                f" {name!r}. Set the default value with `=` instead."
            )
        if isinstance(given, Depends) and isinstance(last, Depends):
            raise self.refuse(
                f"Cannot specify `Depends` in `Annotated` and default value together for {name!r}"
            )
        if isinstance(given, Depends) and isinstance(last, Param):
            raise self.refuse(
                "Cannot specify a FastAPI annotation in `Annotated` and `Depends` as a"
                f" default value together for {name!r}"
            )
        if isinstance(given, Param) and isinstance(last, Param):
            raise self.refuse(
                "Cannot specify FastAPI annotations in `Annotated` and default value"
                f" together for {name!r}"
            )

    def _special(self, tp: Any) -> str | None:
        if t.is_class(tp):
            for cls, kind in self.specials.items():
                if issubclass(tp, cls):
                    return kind
        return None

    def field(
        self, name: str, tp: Any, metadata: tuple[Any, ...], marker: Param | None, default: Any
    ) -> ParamField:
        if t.is_pydantic_v1_type(tp):
            raise PydanticV1NotSupportedError(
                "pydantic.v1 models are no longer supported by FastAPI."
                f" Please update the model {tp!r} of {self.name}'s parameter {name!r}."
            )
        if marker is None:
            marker = unwrap_marker(self._infer_marker(name, tp, default))
            marker = _named_by_fields(metadata, marker)  # NOTE: Field(alias=...) alone
        if marker.default_factory is None and default is Undefined:
            marker = _factory_from_fields(metadata, marker)
        if isinstance(marker, Path) or marker._source == "path":
            default = self._check_path(name, marker, default)
        source = marker._source
        annotation = _with_discriminator(_with_constraints(tp, metadata, marker), marker)
        is_seq = source != "body" and t.is_sequence_of_scalars(tp)
        model = t.param_model(tp) if source in ("query", "header", "cookie") else None
        if model is not None:
            annotation = tp  # NOTE: as FastAPI: the model's own fields carry the constraints
        elif source in ("query", "header", "cookie", "path") and not (
            t.is_scalar(tp) or is_seq or is_pydantic_scalar(annotation)
        ):
            raise self.refuse(
                f"{source.capitalize()} parameter {name!r} must be one of the supported types:"
                f" it has type {tp!r}, which a {source} parameter cannot carry"
            )
        if source == "path" and is_seq:
            raise self.refuse(
                f"Path parameter {name!r} must be one of the supported types: it has type"
                f" {tp!r}, and a path parameter cannot be a list"
            )
        factory = marker.default_factory
        if default is Undefined and factory is None:
            default, factory = _pydantic_default(metadata)
        return ParamField(
            name=name,
            source=source,
            key=_wire_key(name, marker),
            annotation=annotation,
            default=default,
            default_factory=factory,
            marker=marker,
            is_sequence=is_seq,
            model=model,
            validate_default=_validates_default(marker, metadata),
        )

    def _infer_marker(self, name: str, tp: Any, default: Any) -> Param:
        if name in self.path_names:
            return Path()
        if _is_upload(tp):
            return File(default)  # NOTE: as FastAPI: an UploadFile parameter is a file part
        if t.is_scalar(tp) or is_pydantic_scalar(tp):
            return Query(default)
        if t.is_body_type(tp) or t.is_sequence_of_scalars(tp) or tp is Any:
            return Body(default)
        raise self.fail(name, f"has type {tp!r}, which fastcore cannot read from a request")

    def _check_path(self, name: str, marker: Param, default: Any) -> Any:
        key = marker.alias or name
        if key not in self.path_names:
            raise self.fail(name, f"is declared Path() but {{{key}}} is not in the route's path")
        # NOTE: as FastAPI: a path parameter is always required; a default it was given (the
        # same handler may be served under a prefix that names it) is not used
        return Undefined


def _pydantic_fields(metadata: tuple[Any, ...]) -> list[Any]:
    """pydantic ``Field()``s in ``Annotated`` metadata (not fastcore's markers' view)."""
    module = sys.modules.get("pydantic.fields")
    if module is None:
        return []
    return [m for m in metadata if isinstance(m, module.FieldInfo) and unwrap_marker(m) is m]


def _pydantic_default(metadata: tuple[Any, ...]) -> tuple[Any, Any]:
    """The default (or default_factory) a pydantic ``Field()`` in ``Annotated`` gives, as
    FastAPI reads ``Annotated[int, Field(default_factory=f)]``; (Undefined, None) without."""
    from_pydantic: tuple[Any, Any] = (Undefined, None)
    for info in _pydantic_fields(metadata):
        if info.default_factory is not None:
            from_pydantic = (Undefined, info.default_factory)
        elif not info.is_required():
            from_pydantic = (info.default, None)
    return from_pydantic


def _validates_default(marker: Param, metadata: tuple[Any, ...]) -> bool:
    """The marker's ``validate_default``, else a pydantic ``Field()``'s in ``Annotated``."""
    if marker.validate_default is not None:
        return bool(marker.validate_default)
    return any(getattr(info, "validate_default", None) for info in _pydantic_fields(metadata))


def _is_upload(tp: Any) -> bool:
    """``UploadFile``, optional or in a list: read from a multipart body without a marker."""
    if t.is_optional(tp):
        tp = t.non_none(tp)
    if typing.get_origin(tp) in (list, tuple, set, frozenset):
        args = typing.get_args(tp)
        tp = args[0] if args else None
    # NOTE: an UploadFile annotation means starlette.datastructures is loaded; looked up
    # there so that analysing an app without uploads does not import it (~1.7 MiB RSS).
    module = sys.modules.get("starlette.datastructures")
    return module is not None and t.is_class(tp) and issubclass(tp, module.UploadFile)


def _wire_key(name: str, marker: Param) -> str:
    if marker.alias:
        return marker.alias.lower() if isinstance(marker, Header) else marker.alias
    if isinstance(marker, Header) and marker.convert_underscores:
        return name.replace("_", "-")
    return name


def _with_constraints(tp: Any, metadata: tuple[Any, ...], marker: Param) -> Any:
    """Fold the marker's gt/le/... and msgspec.Meta metadata into one msgspec-ready type.

    Metadata only pydantic knows (validators, annotated-types constraints) keeps the type
    pydantic's (``fastcore._validation.pydantic_params``): the marker's constraints join it as a
    pydantic ``Field``.
    """
    foreign = [_unnamed(m) for m in pydantic_metadata(metadata)]
    settings = marker.pydantic_settings()
    if foreign or settings or (marker._source != "body" and is_pydantic_scalar(tp)):
        from pydantic import Field

        kw = {**marker.constraints(), **settings}
        extra = [*foreign, Field(**kw)] if kw else foreign
        args_ = (tp, *extra)
        return typing.Annotated[args_] if extra else tp  # type: ignore[valid-type]
    metas = [m for m in metadata if isinstance(m, msgspec.Meta)]
    own = marker.meta()
    if own is not None:
        metas.append(own)
    if not metas:
        return tp
    optional = t.is_optional(tp) and tp is not Any
    inner = t.non_none(tp) if optional else tp
    args = (inner, *metas)  # NOTE: not inline: mypy reads X[(a, *b)] as 3.11's X[a, *b]
    constrained = typing.Annotated[args]  # type: ignore[valid-type]
    return constrained | None if optional else constrained


_NAMES = ("alias", "validation_alias", "serialization_alias", "alias_priority")


def _unnamed(item: Any) -> Any:
    """A ``Field(alias=...)`` of the metadata without its names, which name the parameter
    (``_named_by_fields``) and mean nothing to the value's validator (pydantic warns)."""
    fields = sys.modules.get("pydantic.fields")
    if fields is None or not isinstance(item, fields.FieldInfo):
        return item
    if all(getattr(item, k) is None for k in _NAMES):
        return item
    clone = copy.copy(item)
    for name in _NAMES:
        setattr(clone, name, None)
    clone._attributes_set = {k: v for k, v in item._attributes_set.items() if k not in _NAMES}
    return clone


def _with_discriminator(tp: Any, marker: Param) -> Any:
    """``Body(discriminator="kind")`` on a union of pydantic models: pydantic's tagged union."""
    if marker.discriminator is None or not t.is_pydantic_type(tp):
        return tp
    from pydantic import Field

    return typing.Annotated[tp, Field(discriminator=marker.discriminator)]


def analyze(
    call: Callable[..., Any], path_names: frozenset[str], specials: dict[type, str]
) -> Dependant:
    """Read ``call`` (a handler) and its dependencies into a Dependant tree."""
    dep = _Analyzer(call, path_names, specials).run()
    _check_body_names(dep)
    return dep


def _check_body_names(dep: Dependant) -> None:
    """Two declarations of one body key read one value: as FastAPI, the same name and type in
    the handler and a dependency are one body field (``item: Item`` in both reads the one
    body). fastcore reads one value per key, so the same key with another type is refused."""
    seen: dict[str, tuple[str, Any]] = {}
    for d in dep.flat():
        for p in d.params:
            if p.source != "body":
                continue
            first = seen.setdefault(p.key, (d.name, p.annotation))
            if first[0] != d.name and first[1] != p.annotation:
                raise FastCoreError(
                    f"{d.name}: body parameter {p.key!r} is also declared by {first[0]} with"
                    f" another type ({p.annotation!r}, not {first[1]!r}): fastcore reads one"
                    " value per body key"
                )
