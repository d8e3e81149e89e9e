"""Parameter models: a pydantic model, Struct or dataclass read from the query, headers or cookies.

``Annotated[FilterParams, Query()]`` makes each of the model's fields a query parameter, as in
FastAPI. The request's values are gathered into one dict by the fields' names on the wire (a
header field's underscores become hyphens unless ``convert_underscores=False``; repeated keys
fill list fields) and everything else the request carries is added under its own name, so the
model's own policy for unknown keys decides: ignored by default, FastAPI's ``extra_forbidden``
422 with ``extra="forbid"`` (``forbid_unknown_fields=True`` for a Struct). The dict is then
validated as one object, by pydantic for a pydantic model and by msgspec (errors explained by
``fastcore._validation``) otherwise. ``Model | None = None`` is None when none of the model's
keys is present.

Routes without a parameter model pay nothing: the extractor exists only for these fields, and
the OpenAPI builder calls ``doc_fields`` to show the model's fields as separate parameters.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from fastcore import _validation as validation
from fastcore._validation import hints as t
from fastcore.params import Cookie, Header, Param, Query, Undefined, unwrap_marker

if typing.TYPE_CHECKING:
    from fastcore.dependencies import ParamField

__all__ = ["ModelDocField", "ModelKey", "doc_fields", "model_extractor"]

Errors = list[dict[str, Any]]
_SEQUENCES = (list, set, frozenset, tuple, Sequence, typing.Sequence)
_MARKERS: dict[str, type[Param]] = {"query": Query, "header": Header, "cookie": Cookie}


def _is_sequence(tp: Any) -> bool:
    tp = t.split_annotated(tp)[0]
    if t.is_optional(tp) and tp is not Any:
        tp = t.non_none(tp)
    return tp in (list, set, frozenset, tuple) or typing.get_origin(tp) in _SEQUENCES


@dataclasses.dataclass(frozen=True)
class ModelKey:
    """One field of a parameter model: how it is validated and how the request names it."""

    name: str  # the attribute
    key: str  # the key the model validates (its alias)
    wire: tuple[str, ...]  # the names the request may use, in preference order
    many: bool  # repeated keys fill it
    required: bool
    default: Any
    info: Any  # pydantic's FieldInfo, msgspec's FieldInfo or a dataclasses.Field


def _pydantic_keys(model: Any, convert: bool) -> list[ModelKey]:
    from pydantic import AliasChoices

    config = model.model_config
    by_name = config.get("validate_by_name", config.get("populate_by_name", False))
    by_alias = config.get("validate_by_alias", True) is not False
    out: list[ModelKey] = []
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else None
        alias = alias or info.alias or name
        pairs = [(alias, _wire(alias, name, convert))]
        choices = info.validation_alias
        if isinstance(choices, AliasChoices) and all(isinstance(c, str) for c in choices.choices):
            # NOTE: as FastAPI: explicit choices are taken literally, underscores and all
            pairs = [(str(c), str(c)) for c in choices.choices]
        if not by_alias:
            pairs = [(name, _wire(name, name, convert))]
        elif by_name and name not in [a for a, _ in pairs]:
            pairs.append((name, _wire(name, name, convert)))
        out.append(
            ModelKey(
                name,
                pairs[0][0],
                tuple(w for _, w in pairs),
                _is_sequence(info.annotation),
                info.is_required(),
                info.get_default(call_default_factory=False),
                info,
            )
        )
    return out


def _wire(alias: str, name: str, convert: bool) -> str:
    return alias.replace("_", "-") if convert and alias == name else alias


#: Default factories whose product msgspec documents as the default (``tags: list[str] = []``
#: is stored as ``default_factory=list``).
_EMPTY_FACTORIES = (list, dict, set, frozenset, tuple)


def _default(default: Any, factory: Any, missing: Any) -> Any:
    if default is not missing:
        return default
    return factory() if factory in _EMPTY_FACTORIES else Undefined


def _struct_keys(model: Any, convert: bool) -> list[ModelKey]:
    out = []
    for f in msgspec.structs.fields(model):
        default = _default(f.default, f.default_factory, msgspec.NODEFAULT)
        wire = _wire(f.encode_name, f.name, convert)
        out.append(
            ModelKey(f.name, f.encode_name, (wire,), _is_sequence(f.type), f.required, default, f)
        )
    return out


def _dataclass_keys(model: Any, convert: bool) -> list[ModelKey]:
    hints = typing.get_type_hints(model, include_extras=True)
    out = []
    for f in dataclasses.fields(model):
        if not f.init:
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        default = Undefined if f.default is dataclasses.MISSING else f.default
        wire = _wire(f.name, f.name, convert)
        out.append(
            ModelKey(f.name, f.name, (wire,), _is_sequence(hints[f.name]), required, default, f)
        )
    return out


def model_keys(model: Any, source: str, marker: Param) -> list[ModelKey]:
    """The model's fields with their wire names for ``source``."""
    convert = source == "header" and getattr(marker, "convert_underscores", True)
    if t.is_pydantic_type(model):
        return _pydantic_keys(model, convert)
    if issubclass(model, msgspec.Struct):
        return _struct_keys(model, convert)
    return _dataclass_keys(model, convert)


def _forbids_or_allows(model: Any) -> bool:
    """Whether unknown keys reach the model as input (so that their presence means 'given')."""
    if t.is_pydantic_type(model):
        return model.model_config.get("extra") in ("allow", "forbid")
    if issubclass(model, msgspec.Struct):
        return bool(model.__struct_config__.forbid_unknown_fields)
    return False


def _grouped(rd: Any, source: str) -> dict[str, list[Any]]:
    """The request's values for ``source``, by name, repeated names kept in order."""
    out: dict[str, list[Any]] = {}
    if source == "query":
        for key, value in rd.query_pairs:
            out.setdefault(key, []).append(value)
    elif source == "header":
        for name, raw in rd.raw_headers:
            out.setdefault(name.decode("latin-1").lower(), []).append(raw.decode("latin-1"))
    else:
        for key, value in rd.cookies.items():
            out[key] = [value]
    return out


def model_extractor(
    field: ParamField, validator_for: Callable[[Any], Callable[..., Any]]
) -> Callable[..., Any]:
    """The extractor of a parameter model: gather the values, validate them as one object.

    ``validator_for(tp)`` gives the body validator for the parameter's type (the model, or
    the model or None): ``validate(value, loc) -> (value, errors)``.
    """
    model = field.model
    validate = validator_for(field.annotation)
    if dataclasses.is_dataclass(model):
        # NOTE: msgspec.convert leaves a dataclass's plain defaults out of the instance's
        # __dict__ (it skips __init__), and its encoder then leaves them out of the JSON;
        # the explaining validator calls the class, so the instance is complete.
        validate = functools.partial(validation.validate, field.annotation)
    source = field.source
    keys = model_keys(model, source, field.marker)
    is_header = source == "header"
    lower: Callable[[str], str] = str.lower if is_header else str
    own = {lower(w) for k in keys for w in k.wire}
    # NOTE: as FastAPI: a header field's unconverted name is no extra header either.
    processed = own | ({k.key.lower() for k in keys} if is_header else set())
    renamed = {k.key: k.wire[0] for k in keys if is_header and k.key != k.wire[0]}
    optional_model = field.annotation is not model
    open_model = _forbids_or_allows(model)
    loc = (source,)
    required, default, factory = field.required, field.default, field.default_factory
    # The value FastAPI uses when a parameter list is repeated: query/form: the last; headers
    # (Starlette's Headers.get): the first.
    pick = 0 if is_header else -1

    def extract(rd: Any, errors: Errors) -> Any:
        received = _grouped(rd, source)
        values: dict[str, Any] = {}
        for k in keys:
            found = next((lower(w) for w in k.wire if lower(w) in received), None)
            if found is None:
                continue
            items = received[found]
            values[k.key] = list(items) if k.many else items[pick]
        for name, items in received.items():
            if name not in processed:
                values[name] = items[0] if len(items) == 1 else items
        if optional_model and not (own.intersection(received) or (open_model and values)):
            if required:
                errors.append(_missing(loc))
                return None
            return factory() if factory is not None else default
        value, errs = validate(values, loc)
        if errs:
            for e in errs:
                at = e["loc"]
                if renamed and len(at) > 1 and at[1] in renamed:
                    e["loc"] = [at[0], renamed[at[1]], *at[2:]]
            errors.extend(errs)
            return None
        return value

    return extract


def _missing(loc: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": list(loc), "msg": "Field required", "input": None}


# ---- the docs: one OpenAPI parameter per model field ---------------------------------------


@dataclasses.dataclass
class ModelDocField:
    """A parameter model's field as the OpenAPI builder documents it (a ParamField's shape)."""

    name: str
    source: str
    key: str
    annotation: Any
    default: Any
    default_factory: Callable[[], Any] | None
    marker: Param
    required: bool
    title_name: str
    is_sequence: bool = False
    model: Any = None


def _doc_annotation(model: Any, k: ModelKey) -> Any:
    if t.is_pydantic_type(model):
        # NOTE: the field's own FieldInfo carries its constraints, default and description,
        # as FastAPI documents a model's field.
        return typing.Annotated[k.info.annotation, k.info]
    if issubclass(model, msgspec.Struct):
        return k.info.type
    return typing.get_type_hints(model, include_extras=True)[k.name]


def doc_fields(field: ParamField) -> list[Any]:
    """The fields to document for ``field``: the model's fields for a parameter model."""
    model = field.model
    if model is None:
        return [field]
    optional_model = field.annotation is not model and not field.required
    cls = _MARKERS[field.source]
    out: list[Any] = []
    for k in model_keys(model, field.source, field.marker):
        info = k.info
        marker = unwrap_marker(
            cls(
                alias=k.wire[0],
                title=getattr(info, "title", None),
                description=getattr(info, "description", None),
                deprecated=getattr(info, "deprecated", None) or None,
            )
        )
        pydantic = t.is_pydantic_type(model)
        out.append(
            ModelDocField(
                name=k.name,
                source=field.source,
                key=k.wire[0],
                annotation=_doc_annotation(model, k),
                # NOTE: pydantic's schema for the FieldInfo carries the default already
                default=None if pydantic or k.default is Undefined else k.default,
                default_factory=None,
                marker=marker,
                required=k.required and not optional_model,
                title_name=k.key,
            )
        )
    return out
