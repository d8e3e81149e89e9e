"""The markers that say where a handler parameter comes from: Path, Query, Header, ...

They are plain data read once at start-up when a route's plan is built; nothing here
runs per request. Names and keywords follow FastAPI so that a changed import is all
a FastAPI handler needs.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, Literal

import msgspec

from fastcore._dependency_limits import _DependencyConcurrency, check_max_concurrency
from fastcore._validation.constraints import pattern_source

__all__ = [
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "Header",
    "Param",
    "ParamTypes",
    "Path",
    "Query",
    "Security",
    "Undefined",
]


class _UndefinedType:
    """The 'no default given' sentinel: distinct from None, which is a real default."""

    _instance: _UndefinedType | None = None

    def __new__(cls) -> _UndefinedType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Undefined"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "Undefined"


Undefined: Any = _UndefinedType()

#: ``alias=`` not given to a marker (``None`` given is another thing: FastAPI's markers clear
#: a ``Field``'s alias with it).
NO_ALIAS: Any = type("_NoAlias", (), {"__repr__": lambda self: "NO_ALIAS"})()


class ParamTypes(Enum):
    """Where a non-body parameter is read (FastAPI's ``fastapi.params.ParamTypes``): the
    ``in_`` of Path, Query, Header and Cookie, so ``Query().in_.value`` is ``"query"``."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern")
#: Settings only pydantic validates with; a parameter given one is validated by pydantic.
_PYDANTIC_SETTINGS = (
    "strict",
    "union_mode",
    "fail_fast",
    "allow_inf_nan",
    "max_digits",
    "decimal_places",
)


class _MarkerType(type):
    """Markers' metaclass: where pydantic is loaded, ``Query(...)`` is made as pydantic's
    ``FieldInfo`` holding the marker (fastcore/_pydantic_markers.py), an instance of the
    marker's class for ``isinstance`` too."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        marker = super().__call__(*args, **kwargs)
        if "pydantic" not in sys.modules:
            return marker
        from fastcore._pydantic_markers import as_field_info

        return as_field_info(marker)

    def __instancecheck__(cls, obj: Any) -> bool:
        if type.__instancecheck__(cls, obj):
            return True
        marker = unwrap_marker(obj)
        return marker is not obj and type.__instancecheck__(cls, marker)


def unwrap_marker(obj: Any) -> Any:
    """The fastcore marker behind pydantic's view of it, as pydantic now holds it."""
    module = sys.modules.get("fastcore._pydantic_markers")
    if module is not None and isinstance(obj, module.MarkerFieldInfo):
        return obj.as_marker()
    return obj


class Param(metaclass=_MarkerType):
    """Where a value comes from and what it must satisfy; ``in_`` names the source
    (a ``ParamTypes``, as FastAPI's), ``_source`` the same as the string fastcore reads
    (``"body"`` for Body, Form and File, which have no ``in_`` in FastAPI).

    Where pydantic is loaded, a marker is made as pydantic's ``FieldInfo`` holding it
    (fastcore/_pydantic_markers.py), so a pydantic model field declared with one has its
    default and constraints, as with FastAPI's markers.
    """

    in_: ParamTypes  # NOTE: as FastAPI's: set by the subclasses that have one
    _source = "query"

    def __init__(
        self,
        default: Any = Undefined,
        *,
        default_factory: Callable[[], Any] | None = None,
        alias: str | None = NO_ALIAS,
        validation_alias: Any = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        multiple_of: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | re.Pattern[str] | None = None,
        regex: str | None = None,
        examples: Sequence[Any] | None = None,
        example: Any = Undefined,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        json_schema_extra: dict[str, Any] | Callable[[dict[str, Any]], None] | None = None,
        discriminator: str | None = None,
        strict: bool | None = None,
        union_mode: str | None = None,
        fail_fast: bool | None = None,
        allow_inf_nan: bool | None = None,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        validate_default: bool | None = None,
        **extra: Any,
    ) -> None:
        if default is ...:
            default = Undefined
        self.default = default
        self.default_factory = default_factory
        self._name(alias, validation_alias)
        self.title = title
        self.description = description
        self.gt, self.ge, self.lt, self.le = gt, ge, lt, le
        self.multiple_of = multiple_of
        self.min_length, self.max_length = min_length, max_length
        if regex is not None:
            from fastcore.exceptions import FastAPIDeprecationWarning

            warnings.warn(
                "`regex` has been deprecated, please use `pattern` instead",
                FastAPIDeprecationWarning,
                stacklevel=2,
            )
        self.pattern = pattern if pattern is not None else regex
        self.examples = list(examples) if examples is not None else None
        if example is not Undefined and self.examples is None:
            self.examples = [example]
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        #: The tag field of a union of pydantic models (msgspec Structs carry their own tag).
        self.discriminator = discriminator
        #: pydantic's validation settings (``union_mode="left_to_right"``, ``fail_fast``,
        #: ``strict``, the number checks), which FastAPI's markers pass to their FieldInfo:
        #: a parameter given one is validated by pydantic with it (``pydantic_settings``).
        self.strict, self.union_mode, self.fail_fast = strict, union_mode, fail_fast
        self.allow_inf_nan = allow_inf_nan
        self.max_digits, self.decimal_places = max_digits, decimal_places
        #: pydantic's ``validate_default``: a default used for a missing value is validated
        #: (and converted) as a sent value would be; None: as pydantic's ``Field()`` says.
        self.validate_default = validate_default
        #: pydantic's callable form (``json_schema_extra=customize``): called with the
        #: parameter's finished schema, to change it in place (``fastcore/openapi/schemas.py``).
        self.schema_hook: Callable[[dict[str, Any]], None] | None = None
        if callable(json_schema_extra):
            self.schema_hook, json_schema_extra = json_schema_extra, None
        self.json_schema_extra = dict(json_schema_extra or {}, **extra)

    def _name(self, alias: str | None, validation_alias: Any) -> None:
        #: Whether ``alias=`` was given (``None`` included), as FastAPI's markers tell: such a
        #: marker names the parameter over a ``Field(alias=...)`` before it in ``Annotated``.
        self.alias_given = alias is not NO_ALIAS
        if alias is NO_ALIAS:
            alias = None
        #: pydantic's ``validation_alias``: a string is the name the request uses, as FastAPI
        #: reads it (the wire key, the docs' name and title, the 422's loc) over ``alias``.
        self.validation_alias = validation_alias
        #: pydantic's ``AliasChoices("first", "second")``: the names tried in order, the
        #: first present wins (and names a 422); the docs show the first. Empty otherwise.
        self.alias_choices: tuple[str, ...] = ()
        choices = getattr(validation_alias, "choices", None)
        if isinstance(validation_alias, str):
            alias = validation_alias
        elif choices and all(isinstance(c, str) for c in choices) and self._source != "path":
            # NOTE: as FastAPI: a path parameter has one name, its alias or its own
            alias, self.alias_choices = choices[0], tuple(choices)
        self.alias = alias

    def with_names(self, alias: str | None, validation_alias: Any) -> Param:
        """A copy named ``alias``/``validation_alias`` (a pydantic ``Field(alias=...)`` beside
        the marker in ``Annotated``, which FastAPI merges into its marker)."""
        marker: Param = copy.copy(unwrap_marker(self))
        marker._name(alias, validation_alias)
        return marker

    def pydantic_settings(self) -> dict[str, Any]:
        """The pydantic-only validation settings given (``union_mode``, ``fail_fast``...)."""
        return {k: getattr(self, k) for k in _PYDANTIC_SETTINGS if getattr(self, k) is not None}

    @property
    def required(self) -> bool:
        return self.default is Undefined and self.default_factory is None

    def constraints(self) -> dict[str, Any]:
        """The validation keywords that were given, as msgspec.Meta takes them."""
        return {k: getattr(self, k) for k in _CONSTRAINTS if getattr(self, k) is not None}

    def meta(self) -> msgspec.Meta | None:
        """A msgspec.Meta carrying the constraints, or None when there are none."""
        kw = self.constraints()
        if isinstance(kw.get("pattern"), re.Pattern):
            kw["pattern"] = pattern_source(kw["pattern"])
        return msgspec.Meta(**kw) if kw else None

    def __repr__(self) -> str:
        # NOTE: FastAPI's form: the default's str(), ``Query(teststr)``; no default is
        # pydantic's ``PydanticUndefined``, as FastAPI's markers show it
        default = "PydanticUndefined" if self.default is Undefined else self.default
        return f"{type(self).__name__}({default})"


class Path(Param):
    """A value from the path template; always required."""

    in_ = ParamTypes.path
    _source = "path"

    def __init__(self, default: Any = ..., **kwargs: Any) -> None:
        if default is not ... and default is not Undefined:
            # NOTE: FastAPI's check and error, when the marker is made
            raise AssertionError("Path parameters cannot have a default value")
        super().__init__(default, **kwargs)


class Query(Param):
    """A value from the query string; ``list[T]`` collects repeated keys."""

    in_ = ParamTypes.query
    _source = "query"


class Header(Param):
    """A request header; underscores in the name become hyphens unless told otherwise."""

    in_ = ParamTypes.header
    _source = "header"

    def __init__(self, default: Any = Undefined, *, convert_underscores: bool = True, **kw: Any):
        super().__init__(default, **kw)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    """A cookie sent by the client."""

    in_ = ParamTypes.cookie
    _source = "cookie"


class Body(Param):
    """A JSON body, or (``embed=True`` or with other bodies) one key of the body object."""

    _source = "body"

    def __init__(
        self,
        default: Any = Undefined,
        *,
        embed: bool | None = None,
        media_type: str = "application/json",
        **kw: Any,
    ) -> None:
        super().__init__(default, **kw)
        self.embed = embed
        self.media_type = media_type


class Form(Body):
    """A field of an urlencoded or multipart form."""

    def __init__(
        self,
        default: Any = Undefined,
        *,
        media_type: str = "application/x-www-form-urlencoded",
        **kw: Any,
    ) -> None:
        super().__init__(default, embed=True, media_type=media_type, **kw)


class File(Form):
    """A file part of a multipart form."""

    def __init__(
        self, default: Any = Undefined, *, media_type: str = "multipart/form-data", **kw: Any
    ) -> None:
        super().__init__(default, media_type=media_type, **kw)


@dataclasses.dataclass(frozen=True, repr=False)
class Depends:
    """A value computed by another callable, itself resolved like a handler.

    A frozen dataclass as FastAPI's: equal declarations hash alike (tools key caches on
    them) and ``dataclasses.replace`` copies one.
    """

    dependency: Callable[..., Any] | None = None
    use_cache: bool = True
    # NOTE: ``scope`` says when a yield dependency's exit code runs, as in FastAPI:
    # "function" right after the handler returns (before the response is sent),
    # "request" (the default for yield dependencies) after the response is sent.
    scope: Literal["function", "request"] | None = None
    #: FastAPI 0.165: at most this many calls of this declaration at once (its own
    #: semaphore per event loop: ``fastcore/_dependency_limits.py``).
    max_concurrency: int | None = dataclasses.field(default=None, kw_only=True)
    # NOTE: the limit's identity, so that two declarations alike count apart; an init field
    # so that ``replace`` keeps it (a copy with another limit gets its own).
    _concurrency: _DependencyConcurrency | None = dataclasses.field(
        default=None, repr=False, kw_only=True
    )
    #: OAuth2 scopes (``Security`` sets them).
    scopes = ()

    def __post_init__(self) -> None:
        if self.scope not in (None, "function", "request"):
            raise ValueError(
                f'Depends(scope=...) is "function", "request" or None, not {self.scope!r}'
            )
        limit = check_max_concurrency(self.max_concurrency)
        current = self._concurrency
        if limit is None:
            object.__setattr__(self, "_concurrency", None)
        elif current is None or current.max_concurrency != limit:
            object.__setattr__(self, "_concurrency", _DependencyConcurrency(limit))

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        cache = "" if self.use_cache else ", use_cache=False"
        scope = f", scope={self.scope!r}" if self.scope else ""
        limit = f", max_concurrency={self.max_concurrency}" if self.max_concurrency else ""
        return f"{type(self).__name__}({name}{cache}{scope}{limit})"


@dataclasses.dataclass(frozen=True, repr=False)
class Security(Depends):
    """A dependency that also carries OAuth2 scopes for the docs and for SecurityScopes."""

    scopes: Sequence[str] | None = dataclasses.field(default=None, kw_only=True)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "scopes", tuple(self.scopes or ()))
