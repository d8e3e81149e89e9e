"""Form models: a model, an optional model or a union of models as ``Form()``, read as FastAPI.

A form model's fields are the form's own fields, never nested under the parameter's name:
``Annotated[Profile, Form()]`` reads ``name=Rick``. FastAPI's rules, followed here:

- each model field takes its value by its name (an empty value or an empty file input is a
  missing one; a list field collects the repeated name, its empty strings included, its empty
  file inputs left out); every other form key is given to the
  model as well, so ``extra="forbid"`` (a Struct's ``forbid_unknown_fields``) answers
  ``extra_forbidden`` for it;
- ``Model | None`` (or a union with None) is its default when none of the models' names is in
  the form (any key counts for a model that forbids or allows extras);
- a union of models (``Person | Company``, with ``Form(discriminator="kind")`` or not) hands
  every branch the form shaped for that branch's fields, so pydantic's union errors and
  discriminator tags come out as FastAPI's;
- errors are reported from ``["body", ...]``, without the parameter's name;
- several form models and plain fields can share one form; the OpenAPI body then lists the
  plain fields as properties and the models under ``allOf`` (``form_body_schema``).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

import msgspec

from fastcore import _validation as validation
from fastcore._planning.param_models import ModelKey, model_keys
from fastcore._validation import hints as t
from fastcore.params import Form

if TYPE_CHECKING:
    from starlette.datastructures import FormData

# PERF: starlette.datastructures (~1.7 MiB of RSS with anyio) is imported when a form is read,
# not by every app that plans its routes (forms.py imports this module).

if typing.TYPE_CHECKING:
    from fastcore.dependencies import ParamField

__all__ = ["FormModelReader", "form_body_schema", "form_models", "is_nullable_form_model"]

Errors = list[dict[str, Any]]
Validator = Callable[[Any, tuple[Any, ...]], tuple[Any, Errors]]
_UNIONS = (Union, types.UnionType)


def _is_model(tp: Any) -> bool:
    return t.is_class(tp) and (t.is_pydantic_type(tp) or issubclass(tp, msgspec.Struct))


def _members(tp: Any) -> tuple[list[Any], bool]:
    """A union's members other than None, and whether None is one."""
    tp = t.split_annotated(tp)[0]
    if typing.get_origin(tp) not in _UNIONS:
        return [tp], False
    args = typing.get_args(tp)
    return [t.split_annotated(a)[0] for a in args if a is not type(None)], type(None) in args


def form_models(field: ParamField) -> list[Any]:
    """The models a Form() parameter stands for: one, or a union's; [] for a plain field."""
    if not isinstance(field.marker, Form) or getattr(field.marker, "_source", "") != "body":
        return []
    members, _ = _members(field.annotation)
    if not members or not all(_is_model(m) for m in members):
        return []
    return members


def is_nullable_form_model(field: ParamField) -> bool:
    """``Model | None``: documented as an optional group of form fields, not a null body."""
    return bool(form_models(field)) and _members(field.annotation)[1]


def _is_empty(value: Any) -> bool:
    # NOTE: as FastAPI: browsers send an empty value for an empty input, and an empty file
    # part with no filename when no file was chosen; both count as not sent.
    if isinstance(value, str):
        return value == ""
    return _is_empty_file(value)


def _is_empty_file(value: Any) -> bool:
    from starlette.datastructures import UploadFile

    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def _grouped(items: Iterable[tuple[str, Any]], skip: set[str]) -> dict[str, Any]:
    """The other keys, each with its value or, if repeated, the list of its values."""
    out: dict[str, list[Any]] = {}
    for key, value in items:
        if key not in skip:
            out.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in out.items()}


def _shaped(keys: Sequence[ModelKey], form: FormData) -> dict[str, Any]:
    """The form as a model sees it: its fields by name, then every other key."""
    values: dict[str, Any] = {}
    taken: set[str] = set()
    for k in keys:
        taken.update(k.wire)
        for wire in k.wire:
            if k.many:
                # NOTE: as FastAPI: a list keeps its empty strings, not its empty file inputs
                found = [v for v in form.getlist(wire) if not _is_empty_file(v)]
                if found:
                    values[wire] = found
                    break
            else:
                value = form.get(wire)
                if value is not None and not _is_empty(value):
                    values[wire] = value
                    break
    values.update(_grouped(form.multi_items(), taken))
    return values


def _reshape(value: Any, *, keys: Sequence[ModelKey]) -> Any:
    """pydantic's before-validator of one union branch: the form shaped for that branch."""
    if not isinstance(value, dict):
        return value
    from starlette.datastructures import FormData

    form = FormData(
        [
            (k, item)
            for k, items in value.items()
            for item in (items if isinstance(items, list) else [items])
        ]
    )
    shaped = _shaped(keys, form)
    for key, item in value.items():  # NOTE: None and [] come from validators, never from forms
        if item is None or (isinstance(item, list) and not item):
            shaped[key] = item
    return shaped


def _branch_annotation(members: list[Any], nullable: bool, marker: Any) -> Any:
    """FastAPI's union for validation: each model reshapes the form for itself, and is tagged."""
    from pydantic import BeforeValidator, Field, Tag

    choices: list[Any] = []
    for model in members:
        keys = model_keys(model, "body", marker)
        reshape = BeforeValidator(functools.partial(_reshape, keys=keys))
        choices.append(typing.Annotated[model, reshape, Tag(model.__name__)])
    if nullable:
        choices.append(type(None))
    union: Any = Union[tuple(choices)]
    discriminator = getattr(marker, "discriminator", None)
    if discriminator is not None:
        return typing.Annotated[union, Field(discriminator=discriminator)]
    return union


def _opens(model: Any) -> bool:
    if t.is_pydantic_type(model):
        return model.model_config.get("extra") in ("allow", "forbid")
    return bool(model.__struct_config__.forbid_unknown_fields)


class FormModelReader:
    """One form-model parameter: its values gathered from the form, validated as one object."""

    def __init__(self, field: ParamField, validator_for: Callable[[Any], Validator]) -> None:
        self.field = field
        self.key = field.key
        models, self.nullable = _members(field.annotation)
        self.keys = model_keys(models[0], "body", field.marker) if len(models) == 1 else []
        self.own = {w for m in models for k in model_keys(m, "body", field.marker) for w in k.wire}
        self.open = any(_opens(m) for m in models)
        tp = models[0]
        if len(models) > 1 and all(t.is_pydantic_type(m) for m in models):
            tp = _branch_annotation(models, self.nullable, field.marker)
        elif len(models) > 1:
            # NOTE: msgspec unions are tagged Structs: every branch gets every field's shape
            self.keys = [k for m in models for k in model_keys(m, "body", field.marker)]
            tp = t.non_none(t.split_annotated(field.annotation)[0])
        self.validate = validator_for(tp)
        if dataclasses.is_dataclass(tp):
            self.validate = functools.partial(validation.validate, tp)

    def supplied(self, form: FormData) -> bool:
        """Whether the form carries any of the models' fields (any key, for an open model)."""
        return bool(self.own.intersection(form.keys()) or (self.open and len(form)))

    async def read(self, form: FormData, errors: Errors) -> Any:
        field = self.field
        if self.nullable and not self.supplied(form):
            if field.required:
                errors.append(validation.missing(("body",)))
                return None
            return field.default_factory() if field.default_factory else field.default
        value, errs = self.validate(_shaped(self.keys, form), ("body",))
        errors.extend(errs)
        return value


# ---- the docs ------------------------------------------------------------------------------


def _absent(field: ParamField) -> dict[str, Any]:
    """The schema of a form that does not carry the (optional) model group."""
    models, _ = _members(field.annotation)
    if any(_opens(m) for m in models):
        return {"maxProperties": 0}
    names = sorted({w for m in models for k in model_keys(m, "body", field.marker) for w in k.wire})
    return {"not": {"anyOf": [{"required": [name]} for name in names]}} if names else {}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """As FastAPI: an optional group is absent fields, not a null body (the anyOf stays)."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return schema
    return {**schema, "anyOf": [o for o in options if o.get("type") != "null"]}


def model_condition(field: ParamField, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A form model's entries in the body's ``allOf``: the model, optional when nullable."""
    schema = {k: v for k, v in schema.items() if k != "default"}
    if not is_nullable_form_model(field):
        return [schema]
    schema = _without_null(schema)
    absent = _absent(field)
    if field.required:
        return [{"not": absent}, schema]
    return [{"anyOf": [absent, schema]}]


def form_body_schema(
    fields: Sequence[tuple[ParamField, dict[str, Any]]], title: str
) -> dict[str, Any]:
    """FastAPI's ``Body_...`` schema of a form with models: plain fields, then ``allOf``."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for field, schema in fields:
        if form_models(field):
            conditions.extend(model_condition(field, schema))
            continue
        properties[field.key] = schema
        if field.required and field.key not in required:
            required.append(field.key)
    out: dict[str, Any] = {}
    if properties:
        out["properties"] = properties
    out["type"] = "object"
    if required:
        out["required"] = required
    out["allOf"] = conditions
    out["title"] = title
    return out
