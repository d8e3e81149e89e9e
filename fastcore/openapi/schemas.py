"""Python types -> JSON Schema for the OpenAPI document, in two batched generator calls.

Where pydantic is installed it describes every type it can, as in FastAPI (dataclasses,
datetimes with their formats, Decimals, enums in their order, pydantic models); msgspec
describes the rest (Structs and types holding them, and everything without pydantic). Every
type the document needs is registered first (``SchemaSet.add``), then each generator runs
once over all of its types, so a class used by many routes is named and rendered once and
the two generators' components can be merged by name, collision-free and in a fixed order.

The field-level keywords that FastAPI gets from pydantic's ``FieldInfo`` (title, description,
default, examples, deprecated) are added here from fastcore's markers, by the same rules, so
a parameter documents the same under both frameworks.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import typing
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import msgspec

from fastcore._validation import hints as t
from fastcore._validation.constraints import COMPILED_PATTERNS
from fastcore.dependencies import ParamField
from fastcore.openapi.constants import REF_PREFIX, REF_TEMPLATE

__all__ = [
    "HTTP_VALIDATION_ERROR",
    "REF_PREFIX",
    "VALIDATION_ERROR",
    "SchemaSet",
    "deep_update",
    "field_schema",
    "is_ref_like",
    "jsonable",
    "title_from",
]

Mode = Literal["validation", "serialization"]
Schema = dict[str, Any]

_MSGSPEC_REF = REF_PREFIX + "{name}"

#: One item of a 422 answer; as FastAPI publishes it, so clients generated from either match.
VALIDATION_ERROR: Schema = {
    "properties": {
        "loc": {
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "type": "array",
            "title": "Location",
        },
        "msg": {"type": "string", "title": "Message"},
        "type": {"type": "string", "title": "Error Type"},
        "input": {"title": "Input"},
        "ctx": {"type": "object", "title": "Context"},
    },
    "type": "object",
    "required": ["loc", "msg", "type"],
    "title": "ValidationError",
}

#: The 422 body: ``{"detail": [ValidationError, ...]}``.
HTTP_VALIDATION_ERROR: Schema = {
    "properties": {
        "detail": {
            "items": {"$ref": REF_PREFIX + "ValidationError"},
            "type": "array",
            "title": "Detail",
        }
    },
    "type": "object",
    "title": "HTTPValidationError",
}

_META_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern")
_META_FIELD_INFO = ("title", "description", "examples")


def title_from(name: str) -> str:
    """FastAPI's generated title: ``item_id`` -> ``Item Id``, ``x-token`` -> ``X-Token``."""
    return name.title().replace("_", " ")


def _enc_hook(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return str(value)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def jsonable(value: Any) -> Any:
    """``value`` as JSON builtins, with None-valued keys left out, as FastAPI publishes it.

    Defaults, examples and user-given extras may hold any Python object; enums become their
    value, pydantic models are dumped, anything else unknown becomes its ``str``. FastAPI
    encodes its document with ``exclude_none=True``, so a ``"default": null`` (or any other
    key whose value is None) never appears; neither does it here.
    """
    return _drop_none(msgspec.to_builtins(value, enc_hook=_enc_hook))


def deep_update(main: dict[str, Any], update: dict[str, Any]) -> None:
    """Merge ``update`` into ``main`` as FastAPI does: dicts recursively, lists concatenated."""
    for key, value in update.items():
        current = main.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_update(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            main[key] = current + value
        else:
            main[key] = value


def is_ref_like(schema: Schema) -> bool:
    """A ``$ref`` or ``$ref | null``: pydantic gives such fields no generated title."""
    if "$ref" in schema:
        return True
    options = schema.get("anyOf")
    if not isinstance(options, list) or len(options) != 2:
        return False
    return {"type": "null"} in options and any("$ref" in o for o in options)


def field_schema(base: Schema, field: ParamField, name: str, *, generated_title: bool) -> Schema:
    """The type's schema plus the field-level keywords pydantic's FieldInfo would add.

    ``generated_title`` says whether a title derived from ``name`` is added when the marker
    gives none; the caller decides by FastAPI's rule for that place (see the builder).
    """
    marker = field.marker
    schema = dict(base)
    if marker.title:
        schema["title"] = marker.title
    elif generated_title:
        schema["title"] = title_from(name)
    if marker.description:
        schema["description"] = marker.description
    if marker.examples is not None:
        schema["examples"] = jsonable(marker.examples)
    if marker.deprecated:
        schema["deprecated"] = True
    default = field.default
    if not field.required and field.default_factory is None and default is not None:
        # NOTE: FastAPI documents no ``default`` for None, nor for a default_factory.
        schema["default"] = jsonable(default)
    extra = {k: v for k, v in marker.json_schema_extra.items() if k != "openapi_examples"}
    if extra:
        schema.update(jsonable(extra))
    hook = getattr(marker, "schema_hook", None)
    if hook is not None:
        hook(schema)
    return schema


def _walk_refs(obj: Any, renames: dict[str, str]) -> None:
    """Point every ``$ref`` in ``obj`` at the component's new name, in place."""
    if isinstance(obj, dict):
        ref = obj.get("$ref")
        if isinstance(ref, str) and ref in renames:
            obj["$ref"] = renames[ref]
        for value in obj.values():
            _walk_refs(value, renames)
    elif isinstance(obj, list):
        for value in obj:
            _walk_refs(value, renames)


def _enum_type(values: list[Any]) -> str | None:
    """The JSON type pydantic states beside ``enum`` when all members share one."""
    for json_type, cls in (("string", str), ("integer", int), ("number", float)):
        if values and all(isinstance(v, cls) and not isinstance(v, bool) for v in values):
            return json_type
    return None


_SUBSCHEMA_KEYS = ("items", "additionalProperties", "not", "contains")
_SUBSCHEMA_LIST_KEYS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAP_KEYS = ("properties", "patternProperties", "$defs")


def _spell_like_pydantic(schema: Schema) -> None:
    """Say in place what msgspec leaves implicit and pydantic states; the meaning is the same.

    ``enum`` gets its ``type``; a free-form object gets ``additionalProperties: true``; an
    array of anything gets ``items: {}``. FastAPI clients and the comparison tests then see
    one spelling for the same constraint, whichever library described it.
    """
    values = schema.get("enum")
    if isinstance(values, list) and "type" not in schema:
        json_type = _enum_type(values)
        if json_type is not None:
            schema["type"] = json_type
    kind = schema.get("type")
    if kind == "object" and "properties" not in schema:
        schema.setdefault("additionalProperties", True)
    elif kind == "array" and "items" not in schema and "prefixItems" not in schema:
        schema["items"] = {}
    if schema.get("additionalProperties") == {}:
        schema["additionalProperties"] = True
    for sub in _subschemas(schema):
        _spell_like_pydantic(sub)


def _subschemas(schema: Schema) -> Iterator[Schema]:
    """The schemas directly inside ``schema`` (not the maps that hold them by name)."""
    candidates: list[Any] = [schema.get(key) for key in _SUBSCHEMA_KEYS]
    for key in _SUBSCHEMA_LIST_KEYS:
        candidates.extend(schema.get(key) or ())
    for key in _SUBSCHEMA_MAP_KEYS:
        candidates.extend((schema.get(key) or {}).values())
    yield from (c for c in candidates if isinstance(c, dict))


def _strip_formfeed(components: dict[str, Schema]) -> None:
    """A docstring's text after ``\\f`` is for the code reader, not the API docs (as FastAPI)."""
    for schema in components.values():
        description = schema.get("description")
        if isinstance(description, str) and "\f" in description:
            schema["description"] = description.split("\f")[0]


# -- msgspec ----------------------------------------------------------------------------


def _msgspec_hook(tp: Any) -> Schema:
    """Schemas for types msgspec does not know: uploads as FastAPI shows them, others open."""
    if getattr(tp, "__name__", "") == "UploadFile":
        return {"type": "string", "contentMediaType": "application/octet-stream"}
    return {}


def _msgspec_supported(tp: Any) -> bool:
    try:
        msgspec.json.schema(tp, schema_hook=_msgspec_hook)
    except Exception:
        return False
    return True


def _msgspec_schemas(types: list[Any]) -> tuple[list[Schema], dict[str, Schema]]:
    """One ``schema_components`` call for all types; a type msgspec refuses documents as ``{}``."""
    if not types:
        return [], {}
    try:
        found = msgspec.json.schema_components(
            types, schema_hook=_msgspec_hook, ref_template=_MSGSPEC_REF
        )
    except Exception:
        # NOTE: only on failure is each type tried alone, to find the ones msgspec refuses.
        safe = [tp if _msgspec_supported(tp) else Any for tp in types]
        found = msgspec.json.schema_components(
            safe, schema_hook=_msgspec_hook, ref_template=_MSGSPEC_REF
        )
    schemas, components = list(found[0]), dict(found[1])
    for schema in [*schemas, *components.values()]:
        _spell_like_pydantic(schema)
    return schemas, components


# -- pydantic ---------------------------------------------------------------------------


def _meta_to_field(meta: msgspec.Meta) -> Any:
    """A msgspec.Meta (how fastcore folds marker constraints in) as pydantic's Field."""
    from pydantic import Field

    kwargs = {k: getattr(meta, k) for k in _META_CONSTRAINTS + _META_FIELD_INFO}
    if kwargs["pattern"] is not None:  # NOTE: a compiled pattern goes to pydantic as given
        kwargs["pattern"] = COMPILED_PATTERNS.get(kwargs["pattern"], kwargs["pattern"])
    return Field(**{k: v for k, v in kwargs.items() if v is not None})


def _for_pydantic(tp: Any) -> Any:
    """``tp`` with msgspec.Meta constraints rewritten so that pydantic sees them."""
    bare, metadata = t.split_annotated(tp)
    if metadata:
        converted = tuple(_meta_to_field(m) if isinstance(m, msgspec.Meta) else m for m in metadata)
        return typing.Annotated[(_for_pydantic(bare), *converted)]  # type: ignore[valid-type]
    args = typing.get_args(tp)
    if t.is_optional(tp) and args and tp is not Any:
        return typing.Union[tuple(_for_pydantic(a) for a in args)]
    return tp


@functools.lru_cache(maxsize=1)
def _pydantic_generator() -> type[Any]:
    """pydantic's generator with FastAPI's one change, made once and only if pydantic is used."""
    from pydantic.json_schema import GenerateJsonSchema

    class FastAPIJsonSchema(GenerateJsonSchema):
        """Bytes as FastAPI documents them: an octet stream, base64 only if so configured."""

        def bytes_schema(self, schema: Any) -> Any:
            json_schema: Schema = {
                "type": "string",
                "contentMediaType": "application/octet-stream",
            }
            config = self._config
            mode = config.ser_json_bytes if self.mode == "serialization" else config.val_json_bytes
            if mode == "base64":
                json_schema["contentEncoding"] = "base64"
            self.update_with_validations(json_schema, schema, self.ValidationsMapping.bytes)
            return json_schema

    return FastAPIJsonSchema


@functools.lru_cache(maxsize=1)
def _pydantic_installed() -> bool:
    return importlib.util.find_spec("pydantic") is not None


def pydantic_core_schema(tp: Any) -> Any:
    """pydantic's core schema for ``tp``, or None if pydantic is absent or cannot describe it.

    FastAPI documents every type through pydantic, so where pydantic is installed it
    describes everything it can (dataclasses, datetimes, Decimals, enums in their order...)
    and the document reads as FastAPI's does. msgspec describes the rest: Structs and types
    holding them, and everything when pydantic is not installed.
    """
    if not _pydantic_installed():
        return None
    from pydantic import TypeAdapter

    try:
        return TypeAdapter(_for_pydantic(tp)).core_schema
    except Exception:
        # NOTE: pydantic refuses what it cannot describe with several exception types
        # (schema generation, user errors, TypeError from odd generics): msgspec then tries.
        return None


def has_computed_fields(core_schema: Any) -> bool:
    """A model in the core schema has ``@computed_field``s (its output differs from its input)."""
    if isinstance(core_schema, dict):
        if core_schema.get("computed_fields"):
            return True
        return any(has_computed_fields(v) for v in core_schema.values())
    if isinstance(core_schema, list):
        return any(has_computed_fields(v) for v in core_schema)
    return False


def _pydantic_schemas(items: list[tuple[Any, Mode]]) -> tuple[list[Schema], dict[str, Schema]]:
    """One ``generate_definitions`` call: pydantic names Input/Output variants consistently."""
    if not items:
        return [], {}
    generator = _pydantic_generator()(ref_template=REF_TEMPLATE)
    inputs = [(i, mode, core) for i, (core, mode) in enumerate(items)]
    mapping, definitions = generator.generate_definitions(inputs=inputs)
    return [mapping[(i, mode)] for i, (_, mode) in enumerate(items)], dict(definitions)


# -- merging ----------------------------------------------------------------------------


def _canonical(obj: Any) -> Any:
    """Comparable form of a schema in which the order of ``enum`` members does not count."""
    if isinstance(obj, dict):
        return {
            k: sorted(map(repr, v)) if k == "enum" and isinstance(v, list) else _canonical(v)
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_canonical(v) for v in obj]
    return obj


def _free_name(name: str, taken: Iterable[str]) -> str:
    used = set(taken)
    n = 2
    while f"{name}_{n}" in used:
        n += 1
    return f"{name}_{n}"


def _rename_clashes(
    components: dict[str, Schema], taken: dict[str, Schema], keep_equal: bool
) -> dict[str, str]:
    """New names for ``components`` that clash with ``taken``, as a ``$ref`` -> ``$ref`` map.

    With ``keep_equal`` a component whose schema equals the taken one (the same Enum or
    dataclass seen by both generators) is shared instead of renamed.
    """
    renames: dict[str, str] = {}
    for name in sorted(components):
        if name not in taken:
            continue
        if keep_equal and _canonical(components[name]) == _canonical(taken[name]):
            continue
        new = _free_name(
            name, [*taken, *components, *(r[len(REF_PREFIX) :] for r in renames.values())]
        )
        renames[REF_PREFIX + name] = REF_PREFIX + new
    return renames


def _apply_renames(
    schemas: list[Schema], components: dict[str, Schema], renames: dict[str, str]
) -> dict[str, Schema]:
    if not renames:
        return components
    _walk_refs(schemas, renames)
    _walk_refs(components, renames)
    prefix = len(REF_PREFIX)
    return {
        renames.get(REF_PREFIX + name, REF_PREFIX + name)[prefix:]: schema
        for name, schema in components.items()
    }


# -- the registry -----------------------------------------------------------------------


@dataclasses.dataclass
class _Side:
    """The types one generator will render, deduplicated, and what it rendered."""

    values: list[Any] = dataclasses.field(default_factory=list)
    index: dict[Any, int] = dataclasses.field(default_factory=dict)
    schemas: list[Schema] = dataclasses.field(default_factory=list)

    def add(self, key: Any, value: Any) -> int:
        if key not in self.index:
            self.index[key] = len(self.values)
            self.values.append(value)
        return self.index[key]


class SchemaSet:
    """Every type the document needs, rendered in one pass per generator, then looked up.

    Usage: ``add`` each type (getting a handle) and ``reserve`` the names the builder will
    use for its own components (``Body_...``); ``resolve`` once; then ``get(handle)`` and
    ``add_component``. ``components`` is the merged, sorted ``components.schemas``.
    """

    def __init__(self, *, separate_input_output: bool = True) -> None:
        #: FastAPI's ``separate_input_output_schemas``: False documents one schema per model
        #: (its input form) unless the model's output has computed fields.
        self.separate_input_output = separate_input_output
        self._msgspec = _Side()
        self._pydantic = _Side()
        self._handles: list[tuple[str, int]] = []
        self._reserved: dict[str, Schema] = {"HTTPValidationError": {}, "ValidationError": {}}
        self._own: dict[str, Schema] = {}
        self._generated: dict[str, Schema] = {}
        self._resolved = False

    def add(self, tp: Any, mode: Mode = "validation") -> int:
        """Register ``tp``; the handle gives its schema after ``resolve``."""
        core = pydantic_core_schema(tp)
        key: Any
        if core is not None:
            if not self.separate_input_output and not has_computed_fields(core):
                mode = "validation"
            name, side, key, value = "pydantic", self._pydantic, (tp, mode), (core, mode)
        else:
            name, side, key, value = "msgspec", self._msgspec, tp, tp
        try:
            hash(key)
        except TypeError:
            key = object()  # NOTE: an unhashable annotation is rendered on its own
        self._handles.append((name, side.add(key, value)))
        return len(self._handles) - 1

    def reserve(self, name: str) -> None:
        """Claim a component name for ``add_component``; a user type of that name is renamed."""
        self._reserved.setdefault(name, {})

    def resolve(self) -> None:
        """Run both generators once and merge their components."""
        py_schemas, py_defs = _pydantic_schemas(self._pydantic.values)
        ms_schemas, ms_defs = _msgspec_schemas(self._msgspec.values)
        py_defs = _apply_renames(
            py_schemas, py_defs, _rename_clashes(py_defs, self._reserved, keep_equal=False)
        )
        taken = {**self._reserved, **py_defs}
        ms_defs = _apply_renames(
            ms_schemas, ms_defs, _rename_clashes(ms_defs, taken, keep_equal=True)
        )
        merged = dict(py_defs)
        for name, schema in ms_defs.items():
            merged.setdefault(name, schema)
        _strip_formfeed(merged)
        self._pydantic.schemas, self._msgspec.schemas = py_schemas, ms_schemas
        self._generated = merged
        self._resolved = True

    def get(self, handle: int) -> Schema:
        """A fresh top-level copy of the schema registered as ``handle``."""
        if not self._resolved:
            raise RuntimeError("SchemaSet.get() before resolve()")
        side, index = self._handles[handle]
        source = self._pydantic if side == "pydantic" else self._msgspec
        return dict(source.schemas[index])

    def add_component(self, name: str, schema: Schema) -> None:
        """Add one of the builder's own components under a name reserved earlier."""
        self._own[name] = schema

    @property
    def components(self) -> dict[str, Schema]:
        """All components, sorted by name so the document is the same on every build."""
        merged = {**self._generated, **self._own}
        return {name: merged[name] for name in sorted(merged)}
